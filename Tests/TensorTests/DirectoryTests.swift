import Foundation
import Tensor
import Testing

@Suite struct DirectoryTests {
    /// `make` is `mkdir -p`: missing parents made, an existing folder accepted (trailing slashes
    /// too), a file in the way refused with errno saying so, and the same as FileManager would do.
    @Test func makeIsMkdirDashP() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("ouro-dir-\(getpid())").path
        try? FileManager.default.removeItem(atPath: base)
        defer { try? FileManager.default.removeItem(atPath: base) }
        #expect(Directory.make(base + "/a/b/c//"))
        #expect(Directory.isFolder(base + "/a/b/c"))
        #expect(Directory.make(base + "/a/b"), "an existing folder")
        try "x".write(toFile: base + "/a/file", atomically: false, encoding: .utf8)
        #expect(!Directory.make(base + "/a/file") && errno == EEXIST, "a file in the way")
        #expect(!Directory.make(base + "/a/file/sub") && errno == ENOTDIR, "a file as a parent")
        #expect(Directory.names(at: base + "/a")?.sorted() == ["b", "file"])
        #expect(Directory.make("/"), "the root exists")
    }
}
