/**
 * The Markdown tab: the result's Markdown rendered safely (Markdown.tsx), or
 * its source, read in slices like the text; each slice is cut at a blank
 * line so no block is split between two.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Job } from '../../../shared/job.js';
import { cutAtBlock, parseMarkdown, type Block } from '../../lib/markdown.js';
import { useJobs } from '../../store/context.js';
import { message } from '../../store/errors.js';
import { MarkdownBlocks } from './Markdown.js';

const SLICE_CHARS = 200_000;
/** Beyond this the tab stops reading: the Text tab reads any length. */
const MAX_CHARS = 4_000_000;

interface Piece {
  key: number;
  source: string;
  blocks: Block[];
}

export function MarkdownTab({ job }: { job: Job }) {
  const readPart = useJobs((s) => s.readPart);
  const [pieces, setPieces] = useState<Piece[]>([]);
  const [state, setState] = useState({ next: 0, total: 0, done: false, loading: false, error: null as string | null });
  const [source, setSource] = useState(false);
  const carry = useRef('');
  const busy = useRef(false);
  const pos = useRef({ next: 0, done: false });

  const load = useCallback(async () => {
    if (busy.current || pos.current.done || pos.current.next >= MAX_CHARS) return;
    busy.current = true;
    setState((s) => ({ ...s, loading: true }));
    try {
      const got = await readPart({ id: job.id, part: 'markdown', offset: pos.current.next, limit: SLICE_CHARS });
      const { head, rest } = cutAtBlock(carry.current + got.text, got.done);
      carry.current = rest;
      pos.current = { next: got.offset + got.text.length, done: got.done };
      setPieces((p) => [...p, { key: got.offset, source: head, blocks: parseMarkdown(head) }]);
      setState({ next: pos.current.next, total: got.total, done: got.done, loading: false, error: null });
    } catch (err) {
      setState((s) => ({ ...s, loading: false, error: message(err) }));
    } finally {
      busy.current = false;
    }
  }, [job.id, readPart]);

  useEffect(() => {
    void load();
  }, [load]);

  const capped = !state.done && state.next >= MAX_CHARS;
  return (
    <div className="markdown-tab">
      <div className="text-toolbar">
        <div className="segmented" role="group" aria-label="Markdown view">
          <button type="button" className="small" aria-pressed={!source} onClick={() => setSource(false)}>
            Rendered
          </button>
          <button type="button" className="small" aria-pressed={source} onClick={() => setSource(true)}>
            Source
          </button>
        </div>
        {state.total > 0 && (
          <span className="muted">
            {state.done
              ? `${state.total.toLocaleString('en-US')} characters`
              : `${state.next.toLocaleString('en-US')} of ${state.total.toLocaleString('en-US')} characters read`}
          </span>
        )}
      </div>
      {state.error && (
        <p className="part-error" role="alert">
          {state.error}
        </p>
      )}
      <div className={source ? 'text-body md-source' : 'markdown-body'} aria-label="Markdown document">
        {pieces.map((p) => (source ? <span key={p.key}>{p.source}</span> : <MarkdownBlocks key={p.key} blocks={p.blocks} />))}
        {pieces.length > 0 && pieces.every((p) => !p.source.trim()) && state.done && <p className="muted">This file has no Markdown.</p>}
      </div>
      {!state.done && !capped && (
        <button type="button" className="small" disabled={state.loading} onClick={() => void load()}>
          {state.loading ? 'Reading…' : 'Read more'}
        </button>
      )}
      {capped && <p className="muted">The Markdown stops here; the Text tab reads the whole text.</p>}
    </div>
  );
}
