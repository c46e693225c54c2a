/// SVG line charts and tidy summaries for run records.
public enum Report {}
