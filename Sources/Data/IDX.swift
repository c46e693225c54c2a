import CZlib
import Foundation
import Tensor

/// IDX files (the MNIST format: a big-endian header of magic, dimension sizes, then the values),
/// plain or gzip-compressed, and the Fashion-MNIST / MNIST datasets built on them.
public enum IDX {
    /// The values of an IDX file as a tensor of its shape: unsigned/signed bytes, shorts and ints
    /// become int64, floats and doubles float64.
    public static func load(_ path: String) throws -> Tensor {
        let bytes = try read(path)
        do { return try decode(bytes) } catch let e as TensorError { throw TensorError("'\(path)': \(e.message)") }
    }

    /// The file's bytes, inflated when it is gzip-compressed.
    static func read(_ path: String) throws -> [UInt8] {
        try AtomicFile.validate(path)
        guard let raw = try AtomicFile.read(path) else { throw TensorError("cannot read '\(path)': No such file or directory") }
        return raw.count >= 2 && raw[0] == 0x1f && raw[1] == 0x8b ? try gunzip(raw, path: path) : raw
    }

    /// Unsigned-byte images (type 0x08) of an IDX file straight into N×(rows·cols) float32 values
    /// scaled to [0, 1], with no wider copy in between (60 000 images: 188 MB, not 564).
    public static func loadImages(_ path: String) throws -> Tensor {
        let b = try read(path)
        do {
            guard b.count >= 16, b[0] == 0, b[1] == 0, b[2] == 0x08, b[3] == 3 else {
                throw TensorError("not an IDX file of unsigned-byte images (expected magic 00 00 08 03, got \(b.prefix(4).map { String(format: "%02x", $0) }.joined(separator: " ")))")
            }
            func size(_ o: Int) -> Int { Int(b[o]) << 24 | Int(b[o + 1]) << 16 | Int(b[o + 2]) << 8 | Int(b[o + 3]) }
            let (n, d) = (size(4), size(8) * size(12))
            let (count, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow, b.count - 16 == count else {
                throw TensorError("size mismatch: the header says \(n) images of \(size(8))×\(size(12)) (\(count) bytes) but \(b.count - 16) bytes follow")
            }
            let x = try Tensor(uninitialized: [n, d], dtype: .float32)
            let o = x.base(Float.self)
            b.withUnsafeBufferPointer { p in for i in 0..<count { o[i] = Float(p[16 + i]) / 255 } }
            return x
        } catch let e as TensorError { throw TensorError("'\(path)': \(e.message)") }
    }

    public static func decode(_ b: [UInt8]) throws -> Tensor {
        guard b.count >= 4, b[0] == 0, b[1] == 0 else {
            throw TensorError("not an IDX file (the magic number must start with two zero bytes, got \(b.prefix(4).map { String(format: "%02x", $0) }.joined()))")
        }
        let width: Int
        switch b[2] {
        case 0x08, 0x09: width = 1
        case 0x0B: width = 2
        case 0x0C, 0x0D: width = 4
        case 0x0E: width = 8
        default: throw TensorError("unknown IDX element type 0x\(String(format: "%02x", b[2])) (expected 08, 09, 0B, 0C, 0D or 0E)")
        }
        let rank = Int(b[3])
        guard rank >= 1, b.count >= 4 + 4 * rank else { throw TensorError("truncated IDX header (\(rank) dimensions need \(4 + 4 * rank) bytes, the file has \(b.count))") }
        var shape: [Int] = []
        for d in 0..<rank {
            let o = 4 + 4 * d
            shape.append(Int(b[o]) << 24 | Int(b[o + 1]) << 16 | Int(b[o + 2]) << 8 | Int(b[o + 3]))
        }
        let count = try Tensor.checkedCount(shape)
        let start = 4 + 4 * rank
        let (need, overflow) = count.multipliedReportingOverflow(by: width)
        guard !overflow, b.count - start == need else {
            throw TensorError("size mismatch: the header says \(describeShape(shape)) (\(count) values, \(need) bytes) but \(b.count - start) bytes follow")
        }
        let isFloat = b[2] == 0x0D || b[2] == 0x0E
        let t = try Tensor(uninitialized: shape, dtype: isFloat ? .float64 : .int64)
        b.withUnsafeBytes { raw in
            let p = raw.baseAddress! + start
            switch b[2] {
            case 0x08: let o = t.base(Int64.self); for i in 0..<count { o[i] = Int64(p.load(fromByteOffset: i, as: UInt8.self)) }
            case 0x09: let o = t.base(Int64.self); for i in 0..<count { o[i] = Int64(p.load(fromByteOffset: i, as: Int8.self)) }
            case 0x0B: let o = t.base(Int64.self); for i in 0..<count { o[i] = Int64(Int16(bigEndian: p.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))) }
            case 0x0C: let o = t.base(Int64.self); for i in 0..<count { o[i] = Int64(Int32(bigEndian: p.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))) }
            case 0x0D: let o = t.base(Double.self); for i in 0..<count { o[i] = Double(Float(bitPattern: UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))) }
            default: let o = t.base(Double.self); for i in 0..<count { o[i] = Double(bitPattern: UInt64(bigEndian: p.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))) }
            }
        }
        return t
    }

    /// Inflates gzip data (every member), with the file named in errors.
    static func gunzip(_ input: [UInt8], path: String) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count * 4)
        var stream = z_stream()
        guard ouro_inflate_init_gzip(&stream) == Z_OK else { throw TensorError("'\(path)': cannot start gzip decompression") }
        defer { inflateEnd(&stream) }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        try input.withUnsafeBufferPointer { inp in
            stream.next_in = UnsafeMutablePointer(mutating: inp.baseAddress)
            stream.avail_in = uInt(inp.count)
            while true {
                let status = chunk.withUnsafeMutableBufferPointer { c -> Int32 in
                    stream.next_out = c.baseAddress
                    stream.avail_out = uInt(c.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                out.append(contentsOf: chunk[0..<produced])
                try MemoryPolicy.checkCount(out.count, bytesPerItem: 1, what: "the decompressed size of '\(path)'")
                if status == Z_STREAM_END {
                    if stream.avail_in == 0 { return }
                    inflateReset(&stream)            // another gzip member follows
                    continue
                }
                guard status == Z_OK else {
                    throw TensorError("'\(path)': damaged gzip data (\(status == Z_BUF_ERROR ? "truncated" : stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"))")
                }
                if stream.avail_in == 0 && produced == 0 { throw TensorError("'\(path)': truncated gzip data") }
            }
        }
        return out
    }
}

/// An image classification dataset: N×784 float32 pixels in [0, 1] and 0-based int labels.
public struct ImageDataset {
    public let x: Tensor
    public let labels: Tensor
    public let classes: [String]

    public static let fashionClasses = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    public static let digitClasses = (0...9).map(String.init)
    /// Where Debian's dataset-fashion-mnist puts the files.
    public static let debianFashionMNIST = "/usr/share/datasets/fashion-mnist"

    /// Reads the split ("train" or "test") from a directory holding the four original files
    /// (train-images-idx3-ubyte[.gz], …).
    public static func load(directory: String, split: String, classes: [String]) throws -> ImageDataset {
        guard split == "train" || split == "test" else { throw TensorError("split must be \"train\" or \"test\", got \"\(split)\"") }
        let stem = split == "train" ? "train" : "t10k"
        func find(_ kind: String) throws -> String {
            for name in ["\(stem)-\(kind)-ubyte.gz", "\(stem)-\(kind)-ubyte", "\(stem)-\(kind.replacingOccurrences(of: "-", with: "."))-ubyte.gz"] {
                let p = (directory as NSString).appendingPathComponent(name)
                if FileManager.default.fileExists(atPath: p) { return p }
            }
            throw TensorError("no \(stem)-\(kind)-ubyte[.gz] in '\(directory)'")
        }
        let x = try IDX.loadImages(try find("images-idx3"))
        let labels = try IDX.load(try find("labels-idx1"))
        guard labels.rank == 1, x.shape[0] == labels.shape[0] else {
            throw TensorError("'\(directory)': \(x.shape[0]) images but labels of shape \(describeShape(labels.shape)) (expected one label per image)")
        }
        let l = labels.toInt64s()
        if let bad = l.first(where: { $0 < 0 || $0 >= Int64(classes.count) }) {
            throw TensorError("'\(directory)': label \(bad) outside 0..\(classes.count - 1)")
        }
        return ImageDataset(x: x, labels: labels, classes: classes)
    }
}
