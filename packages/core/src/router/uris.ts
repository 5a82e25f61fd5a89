/**
 * URIs the router uses beyond {@link ErrorUri} of the core: the advanced
 * profile's option errors, and one router-specific URI for configured limits
 * (the specification defines none).
 */
export const RouterUri = {
  /** Advanced profile, "Publisher Identification" / "Caller Identification". */
  OPTION_DISALLOWED_DISCLOSE_ME: 'wamp.error.option_disallowed.disclose_me',
  /** A configured limit (subscriptions/registrations per session, calls in flight, sessions per realm) was reached. */
  LIMIT_EXCEEDED: 'wamp.error.limit_exceeded',
  /** Cluster: a new registration could not be claimed because the cluster's store cannot be reached. */
  CLUSTER_UNAVAILABLE: 'wamp.error.cluster_unavailable',
  /** Event history is not kept for the subscription asked about (Crossbar.io's URI). */
  HISTORY_UNAVAILABLE: 'wamp.error.history_unavailable',
} as const;
