import Foundation
import Report
import Testing

@Suite struct NumberFormattingTests {
    /// The fast fixed-point text is printf's "%.Nf" exactly, ties and near-ties included (a
    /// wrong rounding direction or a dropped leading zero would show here).
    @Test func fixedIsPrintfs() {
        var g = SystemRandomNumberGenerator()
        var values: [Double] = [0, -0.0, 0.125, 0.375, -0.125, 2.5, 0.005, 0.015, 1.005, -0.0049, 999_999_999.994, 1e9, -1e9, 0.1 + 0.2, 1e-300, 123456.785]
        for _ in 0..<20_000 { values.append(Double.random(in: -1e4...1e4, using: &g)) }
        for _ in 0..<20_000 { values.append(Double(Int.random(in: -100_000...100_000, using: &g)) / 1000 + 0.0005) }   // near ties
        for _ in 0..<5_000 { values.append(Double.random(in: -2...2, using: &g) * pow(10, Double(Int.random(in: -8...9, using: &g)))) }
        for v in values {
            for d in 0...7 {
                var expected = String(format: "%.\(d)f", v)
                if expected.hasPrefix("-"), expected.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) { expected.removeFirst() }
                let got = NumberFormatting.fixed(v, decimals: d)
                #expect(got == expected, "\(v) with \(d) decimals")
                if got != expected { return }
            }
        }
    }
}
