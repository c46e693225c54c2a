import Loop
import Testing
@Test func loopPlaceholder() { #expect(Bool(true)) }
