/**
 * A virtualized list that reads its next page as its end comes into view: the storage listing
 * and the jobs list both use it. Only the rows in view (and `overscan` around them) are rendered.
 */
import * as React from 'react';
import { useVirtualizer, Virtualizer } from '@tanstack/react-virtual';

/** What a paged list's model offers. */
export interface IPagedSource {
  readonly hasMore: boolean;
  readonly loading: boolean;
  loadMore(): Promise<void>;
}

export function usePagedVirtualizer(options: {
  count: number;
  rowHeight: number;
  source: IPagedSource;
  scroller: React.RefObject<HTMLDivElement>;
  overscan: number;
  /** How close to the end (in rows) the next page is read. */
  ahead: number;
}): Virtualizer<HTMLDivElement, Element> {
  const { count, rowHeight, source, scroller, overscan, ahead } = options;
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan
  });
  const rows = virtualizer.getVirtualItems();
  const last = rows[rows.length - 1];
  React.useEffect(() => {
    if (last && last.index >= count - ahead && source.hasMore && !source.loading) {
      void source.loadMore();
    }
  }, [last?.index, count, source.hasMore, source.loading]);
  return virtualizer;
}
