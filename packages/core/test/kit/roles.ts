// The roles a test peer announces, defined once for every package's tests:
// a scripted router's WELCOME.Details.roles and a raw client's HELLO.Details.roles.

import type { Dict } from '@wamp/core';

/** WELCOME.Details.roles of a router that implements every feature the client uses. */
export const FULL_ROUTER_ROLES: Dict = {
  broker: {
    features: {
      pattern_based_subscription: true,
      publisher_exclusion: true,
      publisher_identification: true,
      subscriber_blackwhite_listing: true,
      subscription_revocation: true,
      event_retention: true,
    },
  },
  dealer: {
    features: {
      call_canceling: true,
      call_timeout: true,
      caller_identification: true,
      pattern_based_registration: true,
      progressive_call_results: true,
      progressive_call_invocations: true,
      registration_revocation: true,
      shared_registration: true,
    },
  },
};

/** A dealer and broker that announce no advanced feature (basic profile). */
export const BASIC_ROUTER_ROLES: Dict = { broker: {}, dealer: {} };

/** HELLO.Details.roles of a client with every feature the router implements. */
export const FULL_CLIENT_ROLES: Dict = {
  caller: {
    features: {
      caller_identification: true,
      call_canceling: true,
      progressive_call_results: true,
      progressive_call_invocations: true,
    },
  },
  callee: {
    features: {
      caller_identification: true,
      call_canceling: true,
      progressive_call_results: true,
      progressive_call_invocations: true,
      pattern_based_registration: true,
      shared_registration: true,
      registration_revocation: true,
    },
  },
  publisher: { features: { publisher_identification: true, publisher_exclusion: true, subscriber_blackwhite_listing: true } },
  subscriber: { features: { pattern_based_subscription: true, publisher_identification: true, subscription_revocation: true } },
};

/** The basic profile: client roles without features. */
export const BASIC_CLIENT_ROLES: Dict = { caller: {}, callee: {}, publisher: {}, subscriber: {} };

/** {@link FULL_ROUTER_ROLES} without the named features (in any role), e.g. a dealer that cancels but has no call_timeout. */
export function routerRolesWithout(...features: string[]): Dict {
  const roles: Dict = {};
  for (const [role, value] of Object.entries(FULL_ROUTER_ROLES)) {
    const all = (value as { features: Dict }).features;
    roles[role] = { features: Object.fromEntries(Object.entries(all).filter(([name]) => !features.includes(name))) };
  }
  return roles;
}
