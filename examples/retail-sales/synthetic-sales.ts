import { round, syntheticRandom } from '../synthetic-random.js';

/** One synthetic sale (a row of `retail.sales.raw`). */
export interface SaleRow {
  orderId: string;
  orderedAt: string;
  store: string;
  category: string;
  sku: string;
  quantity: number;
  unitPrice: number;
  revenue: number;
}

/** The columns of the raw CSV and of the columnar "parquet" file, in order. */
export const SALE_COLUMNS = [
  'orderId',
  'orderedAt',
  'store',
  'category',
  'sku',
  'quantity',
  'unitPrice',
  'revenue',
] as const;

const STORES = ['north', 'south', 'east', 'west'];
const CATEGORIES: Record<string, number> = { produce: 3.5, bakery: 4.2, dairy: 2.8, beverages: 5.5, household: 9.9 };

/**
 * Deterministic synthetic sales of one day (`YYYY-MM-DD`, UTC): the same day and count always give the same rows,
 * so re-ingesting a partition reproduces it exactly.
 */
export function syntheticSales(day: string, count: number): SaleRow[] {
  const random = syntheticRandom(`retail:${day}`);
  const dayStart = Date.parse(`${day}T00:00:00.000Z`);
  const rows: SaleRow[] = [];
  for (let index = 0; index < count; index++) {
    const category = random.pick(Object.keys(CATEGORIES));
    const quantity = random.integer(1, 6);
    const unitPrice = round(Math.max(0.5, random.around(CATEGORIES[category]!, 1.2)));
    // Busier in the afternoon: two uniforms make a hump around 14:00.
    const minuteOfDay = Math.floor(((random.next() + random.next()) / 2) * 16 * 60 + 6 * 60);
    rows.push({
      orderId: `${day}-${String(index + 1).padStart(5, '0')}`,
      orderedAt: new Date(dayStart + minuteOfDay * 60_000 + random.integer(0, 59) * 1000).toISOString(),
      store: random.pick(STORES),
      category,
      sku: `${category.slice(0, 3).toUpperCase()}-${random.integer(100, 140)}`,
      quantity,
      unitPrice,
      revenue: round(quantity * unitPrice),
    });
  }
  return rows.sort((a, b) => a.orderedAt.localeCompare(b.orderedAt) || a.orderId.localeCompare(b.orderId));
}

/** The rows as CSV with a header line (no field contains a comma or quote). */
export function salesCsv(rows: readonly SaleRow[]): string {
  const lines = [SALE_COLUMNS.join(',')];
  for (const row of rows) lines.push(SALE_COLUMNS.map((column) => String(row[column])).join(','));
  return `${lines.join('\n')}\n`;
}

/** Parses the CSV `salesCsv` writes. */
export function parseSalesCsv(text: string): SaleRow[] {
  const [headerLine, ...lines] = text.trim().split('\n');
  const header = headerLine!.split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    const value = (column: string) => cells[header.indexOf(column)] ?? '';
    return {
      orderId: value('orderId'),
      orderedAt: value('orderedAt'),
      store: value('store'),
      category: value('category'),
      sku: value('sku'),
      quantity: Number(value('quantity')),
      unitPrice: Number(value('unitPrice')),
      revenue: Number(value('revenue')),
    };
  });
}

/** Sums revenue by a column's value, largest first. */
export function revenueBy(
  rows: readonly SaleRow[],
  column: 'store' | 'category',
): Array<{ label: string; value: number }> {
  const totals = new Map<string, number>();
  for (const row of rows) totals.set(row[column], (totals.get(row[column]) ?? 0) + row.revenue);
  return [...totals.entries()]
    .map(([label, value]) => ({ label, value: round(value) }))
    .sort((a, b) => b.value - a.value || a.label.localeCompare(b.label));
}
