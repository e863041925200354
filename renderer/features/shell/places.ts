/** The places of the window, in the sidebar's order, with their names and keyboard shortcuts (g then a key). */
import type { View } from '../../store/route.js';

export interface Place {
  view: View;
  label: string;
  /** After "g": g j = jobs, g b = batches… */
  key: string;
}

export const PLACES: readonly Place[] = [
  { view: 'jobs', label: 'Jobs', key: 'j' },
  { view: 'batches', label: 'Batches', key: 'b' },
  { view: 'search', label: 'Search', key: 's' },
  { view: 'stats', label: 'Statistics', key: 't' },
  { view: 'automation', label: 'Automation', key: 'a' },
  { view: 'workers', label: 'Workers', key: 'w' },
  { view: 'settings', label: 'Settings', key: ',' },
];
