import { useEffect } from 'react';

/**
 * Loads at once and again every `ms` while the view that asks is open: the
 * views whose numbers are not pushed as events (statistics, workers).
 */
export function useRefresh(load: () => Promise<unknown>, ms: number): void {
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), ms);
    return () => clearInterval(timer);
  }, [load, ms]);
}
