import Foundation

/// Listing folders with opendir/readdir: what the run records, the sweep's merge and the report
/// walk. Foundation's FileManager builds URLs and path strings for every entry, which cost a
/// sweep's merge more than reading the files it found.
public enum Directory {
    /// The names in the folder `path` (no "." or ".."), in the order the file system gives them;
    /// nil if it cannot be read (the reason is in errno).
    public static func names(at path: String) -> [String]? {
        guard let d = opendir(path) else { return nil }
        defer { closedir(d) }
        var out: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { out.append(name) }
        }
        return out
    }

    /// Every entry under the folder `path` (files and folders, relative paths, in byte order),
    /// descending into sub-folders (but not through symbolic links, nor into those whose relative
    /// path is in `skipping`: they are listed, not their contents); an unreadable folder counts
    /// as empty.
    public static func walk(_ path: String, skipping: Set<String> = []) -> [String] {
        var out: [String] = []
        func visit(_ dir: String, _ prefix: String) {
            for name in names(at: dir) ?? [] {
                let rel = prefix + name, full = dir + "/" + name
                out.append(rel)
                var s = stat()
                if !skipping.contains(rel) && lstat(full, &s) == 0 && (s.st_mode & S_IFMT) == S_IFDIR { visit(full, rel + "/") }
            }
        }
        visit(path, "")
        return out.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}
