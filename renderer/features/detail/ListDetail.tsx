/**
 * A list and the opened job side by side, like a mail client: the jobs list
 * or the search results, with the detail of the job the route names beside
 * it, or below it when the window is narrow (detail.css).
 */
import type { ReactNode } from 'react';
import { useRoute } from '../../store/route.js';
import { DetailPane } from './DetailPane.js';
import { openedJob } from './open-job.js';

export function ListDetail({ children }: { children: ReactNode }) {
  const id = openedJob(useRoute());
  return (
    <div className={`list-detail${id ? ' has-detail' : ''}`}>
      <div className="list-detail-list">{children}</div>
      {id && <DetailPane id={id} />}
    </div>
  );
}
