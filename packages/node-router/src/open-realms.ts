/**
 * Which realms let anyone in with every right: the embedded default (realm1,
 * no roles, anonymous allowed) is meant for development, and the CLI says so
 * on start, so that nobody exposes it by accident.
 */

import type { RealmConfig, RoleConfig, RouterConfig } from '@wamp/core';

const ACTIONS = ['call', 'register', 'publish', 'subscribe'] as const;

/** A role that may do every action on every URI: trusted, or a prefix permission on `''` allowing all four. */
function allowsEverything(role: RoleConfig): boolean {
  if (role.trusted === true) return true;
  return (role.permissions ?? []).some(
    (p) => p.uri === '' && p.match === 'prefix' && ACTIONS.every((a) => p.allow?.[a] === true),
  );
}

/** Whether anonymous sessions of `realm` may call, register, publish and subscribe on any URI. */
export function anonymousMayDoEverything(realm: RealmConfig): boolean {
  // No `auth` means the default: anonymous, static role "anonymous".
  const anonymous = realm.auth === undefined ? { type: 'static', authrole: 'anonymous' } : realm.auth.anonymous;
  if (anonymous === undefined) return false;
  // Without roles, every role may do everything; a dynamic anonymous
  // authenticator picks the role, so only the open realm is certain.
  if (realm.roles === undefined) return true;
  if (anonymous.type !== 'static') return false;
  const role = realm.roles.find((r) => r.name === anonymous.authrole);
  return role !== undefined && allowsEverything(role);
}

/** The names of the realms where anonymous sessions may do everything. */
export function openRealms(config: RouterConfig): string[] {
  return config.realms.filter(anonymousMayDoEverything).map((r) => r.name);
}
