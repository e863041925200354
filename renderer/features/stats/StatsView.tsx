/** Statistics: filled in by the stats.overview channel. */
export function StatsView() {
  return (
    <section className="view stats-view" aria-labelledby="stats-title">
      <h2 id="stats-title" className="view-title">
        Statistics
      </h2>
    </section>
  );
}
