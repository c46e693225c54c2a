/// SVG line charts and tidy summaries for run records.
///
/// The main entry points are ``LineChart`` (with ``PlotSeries``) and ``Summary``;
/// failures are reported as ``ReportError``.
public enum Report {}
