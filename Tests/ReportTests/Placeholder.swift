import Report
import Testing
@Test func reportPlaceholder() { #expect(Bool(true)) }
