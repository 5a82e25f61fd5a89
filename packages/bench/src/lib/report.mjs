// The table (Markdown, readable in a terminal too), the ratios against the goals,
// and the machine line.

/** Text inside a Markdown table cell: a bare `|` (as in "Autobahn|JS") would split the cell. */
const cell = (text) => String(text).replaceAll('|', '\\|');

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function fmtRate(x) {
  return Number.isFinite(x) ? int.format(x) : '—';
}

export function fmtLatency(ms) {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 1) return `${Math.round(ms * 1000)} µs`;
  if (ms < 100) return `${ms.toFixed(2)} ms`;
  return `${Math.round(ms)} ms`;
}

export const fmtUs = (us) => (Number.isFinite(us) ? us.toFixed(us < 10 ? 1 : 0) : '—');

export const fmtPct = (x) => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : '—');

export function fmtBytes(b) {
  if (!Number.isFinite(b)) return '—';
  if (Math.abs(b) >= 2 ** 20) return `${(b / 2 ** 20).toFixed(1)} MiB`;
  if (Math.abs(b) >= 1024) return `${(b / 1024).toFixed(1)} KiB`;
  return `${Math.round(b)} B`;
}

export function fmtRatio(x) {
  return Number.isFinite(x) ? `${x.toFixed(2)}×` : '—';
}

export function machineLine(m) {
  const cgroup = m.cgroupCpuLimit === undefined ? '' : ` (cgroup limit ${m.cgroupCpuLimit} CPUs)`;
  return (
    `${m.cores} cores${cgroup}, ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.os}; ` +
    `Node ${m.node} (V8 ${m.v8}); ws ${m.ws} (bufferutil: ${m.bufferutil}); ` +
    `autobahn ${m.autobahn}; fox-wamp ${m.foxWamp}; open-files limit ${m.fdLimit?.soft ?? '?'}; ` +
    `load average at start ${m.loadAverageAtStart.join(' ')}` +
    (m.commit ? `; commit ${m.commit}` : '')
  );
}

export function throughputTable(sections, results) {
  const lines = [];
  for (const section of sections) {
    // Rows left out with --only are not in `results` at all.
    const rows = section.rows.filter((row) => results.has(row.key));
    if (rows.length === 0) continue;
    lines.push('', `**${section.title}**`, '');
    if (section.note) lines.push(`${section.note}`, '');
    lines.push(
      `| | ${section.unit} | p50 | p99 | server CPU | server µs/op | load CPU | load µs/op |`,
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const row of rows) {
      const r = results.get(row.key);
      if (r === undefined || r.median === undefined) {
        lines.push(`| ${cell(row.label)} | ${cell(r?.skipped ?? r?.errors?.[0]?.split('\n')[0] ?? 'not run')} | | | | | | |`);
        continue;
      }
      const m = r.median;
      const failed = r.errors.length > 0 ? ` (${r.errors.length} of ${r.errors.length + r.runs.length} runs failed)` : '';
      lines.push(
        `| ${cell(row.label)}${failed} | ${fmtRate(m.rate)} | ${fmtLatency(m.p50)} | ${fmtLatency(m.p99)} | ` +
          `${fmtPct(m.serverCpu)} | ${fmtUs(m.serverUsPerOp)} | ${fmtPct(m.loadCpu)} | ${fmtUs(m.loadUsPerOp)} |`,
      );
    }
  }
  return lines.join('\n');
}

export function scaleTable(scale) {
  const lines = [
    '| router | sessions | time to accept and join | joins/s | RSS | heap used | RSS / session | heap / session |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const s of scale) {
    if (s.median === undefined) {
      lines.push(`| ${cell(s.label)} | ${s.sessions} | ${cell(s.skipped ?? s.errors?.[0]?.split('\n')[0] ?? 'not run')} | | | | | |`);
      continue;
    }
    const m = s.median;
    lines.push(
      `| ${cell(s.label)} | ${int.format(s.sessions)} | ${fmtLatency(m.joinMs)} | ${fmtRate(m.joinRate)} | ${fmtBytes(m.rss)} | ${fmtBytes(m.heapUsed)} | ${fmtBytes(m.rssPerSession)} | ${fmtBytes(m.heapPerSession)} |`,
    );
  }
  return lines.join('\n');
}

export function ratioTable(ratios) {
  const lines = ['| ratio | measured | goal | |', '| --- | ---: | ---: | --- |'];
  for (const r of ratios) {
    const verdict = !Number.isFinite(r.value) || r.goal === undefined ? '' : r.pass ? 'met' : '**not met**';
    const value = r.format === 'bytes' ? fmtBytes(r.value) : r.format === 'us' ? (Number.isFinite(r.value) ? `${Math.round(r.value)} µs` : '—') : fmtRatio(r.value);
    lines.push(`| ${cell(r.label)} | ${value} | ${r.goal ?? ''} | ${verdict} |`);
  }
  return lines.join('\n');
}
