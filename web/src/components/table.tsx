import type { ReactNode } from 'react';

/** A table in a horizontally scrollable, keyboard-focusable region (narrow screens), named "<label> table". */
export function TableRegion({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-region" role="region" aria-label={`${label} table`} tabIndex={0}>
      {children}
    </div>
  );
}
