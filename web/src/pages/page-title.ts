import { useEffect } from 'react';

/** Sets the document title ("<page> · apphub-assets"). */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · apphub-assets`;
  }, [title]);
}
