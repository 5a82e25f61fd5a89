/**
 * ISO 8601 UTC timestamps from epoch milliseconds, without `Date` (the core
 * has no clock; the adapter's `now` is the only time there is). Used for the
 * WAMP-CRA challenge's `timestamp` and the meta API's `created` fields.
 */

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** `ms` since the Unix epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ` (what `Date#toISOString` gives for years 0..9999). */
export function isoTimestamp(ms: number): string {
  const t = Math.floor(ms);
  const days = Math.floor(t / 86_400_000);
  let rem = t - days * 86_400_000;
  // Days to civil date (proleptic Gregorian), after H. Hinnant's "chrono-compatible
  // low-level date algorithms": eras of 400 years starting on March 1st.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hh = Math.floor(rem / 3_600_000);
  rem -= hh * 3_600_000;
  const mm = Math.floor(rem / 60_000);
  rem -= mm * 60_000;
  const ss = Math.floor(rem / 1000);
  const milli = rem - ss * 1000;
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hh, 2)}:${pad(mm, 2)}:${pad(ss, 2)}.${pad(milli, 3)}Z`;
}
