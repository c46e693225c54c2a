/// Summaries of replicate runs (for example one value per seed).
public enum Summary {
    /// Mean and 95% interval of replicate values (mean ± 1.96·s/√k with the sample standard deviation s;
    /// a single value gives a zero-width band). NaN values are ignored; all-NaN gives NaNs.
    public static func meanBand(_ values: [Double]) -> (mean: Double, lower: Double, upper: Double) {
        let kept = values.filter { !$0.isNaN }
        guard !kept.isEmpty else { return (.nan, .nan, .nan) }
        let k = Double(kept.count)
        let mean = kept.reduce(0, +) / k
        guard kept.count > 1 else { return (mean, mean, mean) }
        let squares = kept.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        let s = (squares / (k - 1)).squareRoot()
        let half = 1.96 * s / k.squareRoot()
        return (mean, mean - half, mean + half)
    }
}
