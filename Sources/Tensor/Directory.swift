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

    /// Makes the folder `path` and any missing parents, as `mkdir -p` does; true if it is a folder
    /// afterwards, false with errno saying why not (ENOTDIR or EEXIST where a file is in the way).
    /// One mkdir(2) where the parent exists: FileManager's createDirectory looks at every
    /// component first, which a sweep pays for every task.
    @discardableResult
    public static func make(_ path: String) -> Bool {
        if mkdir(path, 0o777) == 0 { return true }
        guard errno == ENOENT else { return existsAfterFailure(path) }
        var parent = Substring(path)
        while parent.count > 1 && parent.hasSuffix("/") { parent = parent.dropLast() }
        guard let slash = parent.lastIndex(of: "/") else { errno = ENOENT; return false }
        parent = parent[..<slash]
        guard !parent.isEmpty, make(String(parent)) else { return false }
        return mkdir(path, 0o777) == 0 || existsAfterFailure(path)
    }

    /// After a failed mkdir: whether the folder is there all the same (some file systems answer
    /// EACCES or EROFS for an existing one, not EEXIST); if not, errno is mkdir's (EEXIST for a file).
    private static func existsAfterFailure(_ path: String) -> Bool {
        let failure = errno
        if isFolder(path) { return true }
        if failure != EEXIST { errno = failure }
        return false
    }

    /// Whether `path` is a folder (following symbolic links); errno is EEXIST if something else is there.
    public static func isFolder(_ path: String) -> Bool {
        var s = stat()
        let found = stat(path, &s) == 0
        if found && (s.st_mode & S_IFMT) == S_IFDIR { return true }
        errno = found ? EEXIST : errno
        return false
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
