/** A place whose view is not part of this build. */
export function Placeholder({ title, text }: { title: string; text: string }) {
  return (
    <section className="view" aria-labelledby="placeholder-title">
      <h2 id="placeholder-title" className="view-title">
        {title}
      </h2>
      <p className="muted">{text}</p>
    </section>
  );
}
