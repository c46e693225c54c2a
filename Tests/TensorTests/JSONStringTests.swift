import Foundation
import Tensor
import Testing

@Suite struct JSONStringTests {
    /// Every string comes back from a JSON parser as it went in, escapes are the short ones where
    /// JSON has them, and text that needs none is only quoted.
    @Test func quotedStringsReadBackTheSame() throws {
        var g = SystemRandomNumberGenerator()
        let pieces = ["a", "é", "日本", "🐍", "e\u{301}", "\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{1f}", "\u{7f}", " ", "/", "local x = \"y\"\n"]
        var samples = ["", "plain text", "-- a script\nprint(\"hi\")\n"]
        for _ in 0..<2000 { samples.append((0..<Int.random(in: 1...12, using: &g)).map { _ in pieces.randomElement(using: &g)! }.joined()) }
        for s in samples {
            let q = JSONString.quoted(s)
            let back = try JSONSerialization.jsonObject(with: Data("[\(q)]".utf8)) as? [String]
            #expect(back == [s], "\(q)")
            #expect(!q.dropFirst().dropLast().utf8.contains { $0 < 0x20 }, "no raw control characters in \(q)")
        }
        #expect(JSONString.quoted("a\"b\\c\nd\re\tf\u{1}") == "\"a\\\"b\\\\c\\nd\\re\\tf\\u0001\"")
        #expect(JSONString.quoted("日本 🐍") == "\"日本 🐍\"")
    }
}
