/**
 * Markdown blocks (lib/markdown.ts) as React elements. Everything is text
 * React escapes; no HTML from the document is ever injected, images are
 * shown as their alt text, links open outside the window.
 */
import { memo, type ReactNode } from 'react';
import { parseInline, type Block, type Inline } from '../../lib/markdown.js';

export const MarkdownBlocks = memo(function MarkdownBlocks({ blocks }: { blocks: Block[] }) {
  return <>{blocks.map((b, i) => renderBlock(b, i))}</>;
});

function renderBlock(b: Block, key: number): ReactNode {
  switch (b.type) {
    case 'heading': {
      const H = `h${Math.min(6, b.level + 1)}` as 'h2';
      return (
        <H key={key} className={`md-h md-h${b.level}`}>
          {inline(b.text)}
        </H>
      );
    }
    case 'paragraph':
      return <p key={key}>{inline(b.text)}</p>;
    case 'code':
      return (
        <pre key={key} className="md-code" data-lang={b.lang || undefined}>
          <code>{b.text}</code>
        </pre>
      );
    case 'rule':
      return <hr key={key} />;
    case 'quote':
      return <blockquote key={key}>{b.children.map((c, i) => renderBlock(c, i))}</blockquote>;
    case 'list': {
      const items = b.items.map((item, i) => <li key={i}>{item.map((c, j) => renderBlock(c, j))}</li>);
      return b.ordered ? (
        <ol key={key} start={b.start}>
          {items}
        </ol>
      ) : (
        <ul key={key}>{items}</ul>
      );
    }
    case 'table':
      return (
        <div key={key} className="md-table-wrap">
          <table className="md-table">
            <thead>
              <tr>
                {b.header.map((h, i) => (
                  <th key={i} className={b.align[i] ? `align-${b.align[i]}` : undefined}>
                    {inline(h)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {b.rows.map((r, i) => (
                <tr key={i}>
                  {b.header.map((_, j) => (
                    <td key={j} className={b.align[j] ? `align-${b.align[j]}` : undefined}>
                      {inline(r[j] ?? '')}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
  }
}

function inline(text: string): ReactNode {
  return renderInline(parseInline(text));
}

function renderInline(nodes: Inline[]): ReactNode {
  return nodes.map((n, i) => {
    switch (n.type) {
      case 'text':
        return n.text;
      case 'code':
        return <code key={i}>{n.text}</code>;
      case 'strong':
        return <strong key={i}>{renderInline(n.children)}</strong>;
      case 'em':
        return <em key={i}>{renderInline(n.children)}</em>;
      case 'del':
        return <del key={i}>{renderInline(n.children)}</del>;
      case 'break':
        return <br key={i} />;
      case 'image':
        return (
          <span key={i} className="md-image" title={n.src}>
            [image{n.alt ? `: ${n.alt}` : ''}]
          </span>
        );
      case 'link':
        return n.href ? (
          <a key={i} href={n.href} title={n.title} target="_blank" rel="noopener noreferrer">
            {renderInline(n.children)}
          </a>
        ) : (
          <span key={i} className="md-link" title={n.title}>
            {renderInline(n.children)}
          </span>
        );
    }
  });
}
