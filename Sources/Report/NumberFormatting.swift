import Foundation

/// Deterministic number-to-text conversion for coordinates and tick labels.
enum NumberFormatting {
    /// Largest coordinate magnitude written; keeps output short and valid for absurd sizes.
    private static let coordinateLimit = 1.0e9

    /// A coordinate with two decimals; non-finite values become 0 and huge ones are clamped.
    static func coordinate(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let clamped = min(max(value, -coordinateLimit), coordinateLimit)
        return fixed(clamped, decimals: 2)
    }

    /// `value` with exactly `decimals` digits after the point, never "-0".
    static func fixed(_ value: Double, decimals: Int) -> String {
        let text = String(format: "%.\(min(max(decimals, 0), 15))f", value)
        return dropNegativeZero(text)
    }

    /// A label for a linear-axis tick at `value` on an axis whose ticks are `step` apart.
    static func linearTick(_ value: Double, step: Double, largest: Double) -> String {
        guard value.isFinite else { return "" }
        guard step.isFinite, step > 0 else { return compact(value) }
        let stepExponent = Int(floor(log10(step)))
        let decimals = max(0, -stepExponent)
        let big = largest.isFinite && largest >= 1.0e6
        if big || decimals > 4 {
            let largestExponent = largest.isFinite && largest > 0 ? Int(floor(log10(largest))) : stepExponent
            let digits = min(max(largestExponent - stepExponent + 1, 1), 15)
            return scientific(value, significantDigits: digits)
        }
        return fixed(value, decimals: decimals)
    }

    /// A power of ten written as "10" followed by a superscript exponent, e.g. 10⁻³.
    static func powerOfTen(_ exponent: Int) -> String {
        "10" + superscript(String(exponent))
    }

    /// Short general formatting used when no step is known.
    static func compact(_ value: Double) -> String {
        scientific(value, significantDigits: 6)
    }

    /// `%g`-style text with a tidy exponent ("1.5e6", "2e-5").
    private static func scientific(_ value: Double, significantDigits: Int) -> String {
        let raw = String(format: "%.\(significantDigits)g", value)
        guard let eIndex = raw.firstIndex(of: "e") else { return dropNegativeZero(raw) }
        let mantissa = String(raw[raw.startIndex..<eIndex])
        var exponent = String(raw[raw.index(after: eIndex)...])
        var sign = ""
        if exponent.hasPrefix("-") { sign = "-" }
        exponent = String(exponent.drop { $0 == "+" || $0 == "-" || $0 == "0" })
        if exponent.isEmpty { exponent = "0" }
        return mantissa + "e" + sign + exponent
    }

    private static func dropNegativeZero(_ text: String) -> String {
        guard text.hasPrefix("-"), text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) else { return text }
        return String(text.dropFirst())
    }

    private static func superscript(_ text: String) -> String {
        let map: [Character: Character] = [
            "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴",
            "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻",
        ]
        return String(text.map { map[$0] ?? $0 })
    }
}
