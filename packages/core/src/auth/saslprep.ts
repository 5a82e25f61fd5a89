/**
 * The stringprep tables of SASLprep and the full algorithm. Imported only
 * with `import()` (by `saslprep()` in `util.ts`, for a string that is not
 * printable ASCII): keep it so, or every bundle that authenticates carries
 * the tables up front.
 */

// SASLprep, RFC 4013: the stringprep (RFC 3454) profile WAMP-SCRAM requires for
// user names and passwords ("Normalize(str)"). As RFC 5802 §2.2 says, the
// strings are treated as "stored strings": unassigned code points are refused.
//
// The tables are those of RFC 3454, which is frozen at Unicode 3.2; they were
// generated from Python's `stringprep` module (Unicode 3.2 data) and are
// stored as ranges: space-separated "gap.length" pairs in base 36, where `gap`
// is the distance from the end of the previous range (+1) to the start of
// this one and `length` is end - start.
//
// Normalization uses the engine's NFKC, not Unicode 3.2's. Checked against
// Python's stringprep (Unicode 3.2) for every single code point, the only
// differences are the five CJK compatibility ideographs of Unicode
// Corrigendum #4 (U+2F868, U+2F874, U+2F91F, U+2F95F, U+2F9BF), where today's
// mapping is the corrected one.

/** B.1, "commonly mapped to nothing". */
const MAPPED_TO_NOTHING = [[0xad, 0xad], [0x34f, 0x34f], [0x1806, 0x1806], [0x180b, 0x180d],
  [0x200b, 0x200d], [0x2060, 0x2060], [0xfe00, 0xfe0f], [0xfeff, 0xfeff]] as const;

/** C.1.2, non-ASCII space characters, mapped to SPACE by RFC 4013 §2.1. */
const NON_ASCII_SPACE = [[0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200b], [0x202f, 0x202f],
  [0x205f, 0x205f], [0x3000, 0x3000]] as const;

/** D.1, characters with bidirectional property "R" or "AL". */
const RANDAL_CAT = decodeRanges(
  '14u.0 1.0 2.0 c.q 5.4 12.0 3.0 1.p 5.a y.2 1.2s 7.0 7.1 j.4 1.d 2.0 1.q 2b.11 b.0 4t9.0 179p.0 ' +
    '1.9 1.c 1.4 1.0 1.1 1.1 1.2z x.a2 i.1r 2.1h 14.c 37.4 1.3q',
);

/** D.2, characters with bidirectional property "L". */
const L_CAT = decodeRanges(
  '1t.p 6.p 1b.0 a.0 4.0 5.m 1.u 1.88 1.h s.2l 2.8 2.6 e.1 e.4 9.0 3v.0 b.0 1.2 1.0 1.j 1.17 1.11 ' +
    'a.3m 7.1w 1.11 2.1 6.f x.11 2.6 1.12 1.0 op.0 1.1g 3.3 8.3 3.0 7.9 2.c h.1 1.7 2.1 2.l 1.6 1.0 ' +
    '3.3 4.2 6.1 2.1 a.0 4.1 1.2 4.b 2.6 a.5 4.1 2.l 1.6 1.1 1.1 1.1 4.2 o.3 1.0 7.9 2.2 e.0 1.6 1.0 ' +
    '1.2 1.l 1.6 1.1 1.4 3.3 8.0 1.1 3.0 f.0 5.9 i.1 1.7 2.1 2.l 1.6 1.1 2.3 3.1 1.0 6.1 2.1 a.0 4.1 ' +
    '1.2 4.a i.0 1.5 3.2 1.3 3.1 1.0 1.1 3.1 3.2 3.7 1.2 4.1 1.1 3.2 1.2 a.0 f.b e.2 1.7 1.2 1.m 1.9 ' +
    '1.4 7.3 r.1 4.9 i.1 1.7 1.2 1.m 1.9 1.4 4.0 1.4 2.1 1.1 9.1 7.0 1.1 4.9 i.1 1.7 1.2 1.m 1.f 4.2 ' +
    '5.2 1.2 a.0 8.1 4.9 i.1 1.h 3.n 1.8 1.0 2.6 8.2 6.7 i.2 c.1b 1.1 c.6 8.c 11.1 1.0 2.1 1.0 2.0 ' +
    '6.3 1.6 1.2 1.0 1.0 2.1 1.3 1.1 9.0 2.4 1.0 9.9 2.1 y.n 2.q 1.0 1.0 5.9 1.x k.0 5.0 2.3 1e.7 1.5 ' +
    '2.0 1c.x 1.4 1.1 1.0 4.0 6.0 7.n 20.11 a.14 2.0 4.2h 5.1v 5.29 6.6 1.1q 1.0 1.3 2.6 1.0 1.3 2.12 ' +
    '1.0 1.3 2.u 1.0 1.3 2.6 1.0 1.3 2.6 1.6 1.m 1.u 1.0 1.3 2.6 1.12 1.i 6.r z.2c c.hh a.p 5.28 f.c ' +
    '1.3 e.h 3.1 9.h e.c 1.2 f.1i 7.7 1.1 b.6 1.0 3.9 12.9 6.2f 8.14 11z.4b 4.2h 6.l 2.5 2.11 2.5 2.7 ' +
    '1.0 1.0 1.0 1.u 2.1g 1.6 1.0 3.2 1.6 3.3 2.5 4.c 5.2 1.6 h.0 2q.0 d.0 3m.0 4.0 2.9 1.0 3.4 6.0 ' +
    '1.0 1.0 1.3 1.2 1.6 3.2 5.4 m.z c2.1w q.0 7a.25 26z.2 p.8 7.4 2.4 4.2d 6.2 1.2h 1.3 5.13 4.2l ' +
    '1.13 1k.18 3.z s.r 3.1d f.b 4.1a 1.3a 4.2q 2.u 1.52t 22.g4l 2i.wc 1gz.8mb 2k.6r1 2.1m 45.6 c.4 ' +
    'sp.p 6.p b.2g 3.5 2.5 2.5 2.2 mb.u 1.3 c.q 51.11 2.11 148i.6t a.12 3.1o 3.8 g.1 7.t 4.1b f6.2c ' +
    '1.1y 1.1 2.0 2.1 2.3 1.b 1.0 1.3 1.1 1.1s 1.3 2.7 1.6 1.r 1.3 1.4 1.0 3.6 1.9d 4.81 7xy.wye ' +
    'g15.f1 gvz6.1ekd 2.1ekd',
);

/**
 * RFC 4013 §2.3 prohibited output: C.1.2, C.2.1, C.2.2, C.3, C.4, C.5, C.6,
 * C.7, C.8, C.9.
 */
const PROHIBITED = decodeRanges(
  '0.v 2n.x in.1 pn.0 1d.0 31s.0 b1.0 1kh.f o.7 1b.4 6.5 328.b 4.0 x6n.6in y8.v 7j.0 6x.6 15df.7 ' +
    '96r.1 1eke.1 1eke.1 1eke.1 1eke.1 1eke.1 1eke.1 1eke.1 1eke.1 1eke.1 1eke.1 1eke.1 1eke.1 1.0 ' +
    'u.2n 1egu.2t4x',
);

/**
 * A.1, code points unassigned in Unicode 3.2 (§2.5: prohibited in stored
 * strings). Checked on the input as well as on the output: today's NFKC maps
 * some later additions (U+03F9, ...) to old characters, which Unicode 3.2
 * normalization would have left unassigned.
 */
const UNASSIGNED = decodeRanges(
  'f5.0 i.r 2m.1 1r.g 28.f g.3 2.3 1.2 1.4 7.0 1.0 k.0 18.0 13.8 3r.0 1z.0 12.1 2.5 g.w 12.1 7.0 ' +
    '13.0 2.5 h.0 n.0 a.a r.4 5.m 1.d 1.2 1.0 q.4 m.9 3y.1 f.0 e.0 u.2 r.1g 1e.9a 3.0 1h.1 i.1 5.2 ' +
    'p.f 3.0 8.1 2.1 m.0 7.0 1.2 4.1 1.0 7.1 2.1 3.8 1.3 2.0 5.1 l.6 1.1 6.3 2.1 m.0 7.0 2.0 2.0 2.1 ' +
    '1.0 5.3 2.1 3.a 4.0 1.6 f.b 3.0 7.0 1.0 3.0 m.0 7.0 2.0 5.1 a.0 3.0 3.1 1.e 1.4 a.g 3.0 8.1 2.1 ' +
    'm.0 7.0 2.1 4.1 8.2 2.1 3.7 2.3 2.0 3.3 b.g 2.0 6.2 3.0 4.2 2.0 1.0 2.2 2.2 3.2 8.0 3.3 5.2 3.0 ' +
    '4.8 1.e c.d 3.0 8.0 3.0 n.0 a.0 5.3 7.0 3.0 4.6 2.8 2.3 a.h 2.0 8.0 3.0 n.0 a.0 5.3 7.0 3.0 4.6 ' +
    '2.6 1.0 2.3 a.h 2.0 8.0 3.0 n.0 g.3 6.1 3.0 4.8 1.7 2.3 a.h 2.0 i.2 o.0 9.0 1.1 7.2 1.3 6.0 1.0 ' +
    '8.h 3.b 1m.3 t.10 2.0 1.1 2.0 1.1 1.5 4.0 7.0 3.0 1.0 1.1 2.0 d.0 3.1 5.0 1.0 6.1 a.1 2.x 20.0 ' +
    'y.5 r.3 8.0 10.0 f.1 1.1b y.0 5.0 2.0 7.2 4.5 q.1x 12.9 15.1 1.3 2i.4 1w.4 2a.5 7.0 1r.0 1.0 4.1 ' +
    '7.0 1.0 4.1 13.0 1.0 4.1 v.0 1.0 4.1 7.0 1.0 4.1 7.0 7.0 n.0 v.0 1.0 4.1 7.0 13.0 j.5 s.y 2d.b ' +
    'hi.8 t.2 29.e d.0 7.a n.8 k.b d.0 3.0 2.b 2l.2 a.l f.0 a.5 2g.7 16.11x 4c.3 2i.5 m.1 6.1 12.1 ' +
    '6.1 8.0 1.0 1.0 1.0 v.1 1h.0 f.0 e.1 6.0 j.1 3.0 9.0 2b.3 1.6 5.5 8.1 r.g i.t r.k 1n.1 f.6 1d.b ' +
    'fz.1c 13.o b.k 4f.0 7o.1 2.0 2t.1 a.3a 4.0 4.1 s.0 z.0 1.0 4.2 1.0 7.1 1g.2 o.0 e.g s.3 ls.ov ' +
    'q.0 2h.b 5y.p c.3 1s.0 2e.1 2v.4 14.3 2m.0 14.1j 19.2 10.c 17.2 25.3 1b.0 3b.3 2r.1 v.0 52u.21 ' +
    'g4m.2h wd.2 1j.1fc 8mc.2j 6r2.1 1n.44 7.b 5.4 q.0 5.0 1.0 2.0 2.0 30.w a5.f 1s.1 1i.7 19.2 g.f ' +
    '4.b n.1 a.0 j.0 4.3 5.0 3r.1 1.0 5a.2 6.1 6.1 6.1 3.2 7.0 7.9 7.lb v.0 4.b r.50 12.1 12.148h ' +
    '6u.9 13.2 50.f5 2d.0 1z.0 2.1 1.1 2.1 4.0 c.0 1.0 4.0 2.0 1t.0 4.1 8.0 7.0 s.0 4.0 5.0 1.2 7.0 ' +
    '9e.3 82.3 1e.7wd wyh.g14 f2.15r 2.1ekd 2.1ekd 2.1ekd 2.1ekd 2.1ekd 2.1ekd 2.1ekd 2.1ekd 2.1ekd ' +
    '2.1ekd 2.1ekd 2.0 1.t 2o.1egt',
);

function decodeRanges(packed: string): Uint32Array {
  const pairs = packed.split(' ');
  const out = new Uint32Array(pairs.length * 2);
  let next = 0;
  for (let i = 0; i < pairs.length; i++) {
    const [gap, len] = pairs[i]!.split('.');
    const start = next + parseInt(gap!, 36);
    const end = start + parseInt(len!, 36);
    out[2 * i] = start;
    out[2 * i + 1] = end;
    next = end + 1;
  }
  return out;
}

function inRanges(table: Uint32Array, cp: number): boolean {
  let lo = 0;
  let hi = table.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < table[2 * mid]!) hi = mid - 1;
    else if (cp > table[2 * mid + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

function inPairs(table: readonly (readonly [number, number])[], cp: number): boolean {
  for (const [a, b] of table) if (cp >= a && cp <= b) return true;
  return false;
}

/**
 * SASLprep (RFC 4013) of any string, through the tables: `saslprep()` of
 * `util.ts` calls it for a string that is not printable ASCII.
 */
export function saslprepFull(input: string): string | undefined {
  // §2.1 mapping. U+200B is in both B.1 and C.1.2; it is mapped to nothing,
  // as B.1 is applied first.
  let mapped = '';
  for (const ch of input) {
    const cp = ch.codePointAt(0)!;
    if (inRanges(UNASSIGNED, cp)) return undefined;
    if (inPairs(MAPPED_TO_NOTHING, cp)) continue;
    mapped += inPairs(NON_ASCII_SPACE, cp) ? ' ' : ch;
  }
  // §2.2 normalization: Unicode normalization form KC.
  const normalized = mapped.normalize('NFKC');
  // §2.3 prohibited output, §2.5 unassigned code points, §2.4 bidi (RFC 3454 §6).
  let hasRandAl = false;
  let hasL = false;
  const cps: number[] = [];
  for (const ch of normalized) {
    const cp = ch.codePointAt(0)!;
    if (inRanges(PROHIBITED, cp) || inRanges(UNASSIGNED, cp)) return undefined;
    if (inRanges(RANDAL_CAT, cp)) hasRandAl = true;
    else if (inRanges(L_CAT, cp)) hasL = true;
    cps.push(cp);
  }
  if (hasRandAl) {
    if (hasL) return undefined;
    if (!inRanges(RANDAL_CAT, cps[0]!) || !inRanges(RANDAL_CAT, cps[cps.length - 1]!)) return undefined;
  }
  return normalized;
}
