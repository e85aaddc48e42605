/** Escapes text for HTML and SVG (element content and quoted attributes). */
export function escapeMarkup(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A small, self-contained HTML page (no external assets), for the example dashboards and reports. */
export function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeMarkup(title)}</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 960px; color: #1f2933; }
  table { border-collapse: collapse; margin: 1rem 0; }
  th, td { border: 1px solid #cbd2d9; padding: 0.3rem 0.6rem; text-align: left; }
  th { background: #f0f4f8; }
  .muted { color: #7b8794; }
  .warning { color: #b44d12; }
</style>
</head>
<body>
<h1>${escapeMarkup(title)}</h1>
${body}
</body>
</html>
`;
}

/** An HTML table from a header row and data rows (cells are escaped). */
export function htmlTable(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const head = header.map((cell) => `<th>${escapeMarkup(cell)}</th>`).join('');
  const body = rows
    .map((row) => `<tr>${row.map((cell) => `<td>${escapeMarkup(String(cell))}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/** A Markdown table (pipes in cells are escaped). */
export function markdownTable(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const cell = (value: string | number) => String(value).replace(/\|/g, '\\|');
  const lines = [`| ${header.map(cell).join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const row of rows) lines.push(`| ${row.map(cell).join(' | ')} |`);
  return lines.join('\n');
}
