/// What a person would check in generated text besides its likelihood: how long documents are and
/// how varied their wording is. Words are runs of bytes that are not ASCII whitespace.
public enum TextStatistics {
    /// Mean bytes per document (per response, for prompt/response pairs).
    public static func meanBytes(_ d: Documents) -> Double {
        guard d.count > 0 else { return .nan }
        var total = 0
        for i in 0..<d.count { total += d.isPairs ? d.response(i).count : d.texts[i].count }
        return Double(total) / Double(d.count)
    }

    /// distinct-n (Li et al. 2016): the number of distinct word n-grams over the number of all word
    /// n-grams, n-grams within one document (its response, for pairs). It depends on how much text
    /// is counted, so compare it between equally many documents. NaN when there are none.
    public static func distinct(_ d: Documents, n: Int) -> Double {
        guard n >= 1 else { return .nan }
        var ids: [ArraySlice<UInt8>: Int] = [:]
        var seen = Set<[Int]>(), total = 0
        for i in 0..<d.count {
            let text = d.isPairs ? d.response(i) : d.texts[i][...]
            var words: [Int] = []
            var start: Int? = nil
            for k in text.indices {
                let space = text[k] == 0x20 || (text[k] >= 0x09 && text[k] <= 0x0D)
                if space, let s = start { words.append(id(text[s..<k], &ids)); start = nil }
                else if !space && start == nil { start = k }
            }
            if let s = start { words.append(id(text[s..<text.endIndex], &ids)) }
            guard words.count >= n else { continue }
            for k in 0...(words.count - n) { seen.insert(Array(words[k..<(k + n)])); total += 1 }
        }
        return total > 0 ? Double(seen.count) / Double(total) : .nan
    }

    private static func id(_ word: ArraySlice<UInt8>, _ ids: inout [ArraySlice<UInt8>: Int]) -> Int {
        if let k = ids[word] { return k }
        ids[word] = ids.count
        return ids.count - 1
    }
}
