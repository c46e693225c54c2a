import Foundation

/// NumPy `.npy` files (format versions 1.0–3.0), readable and writable by `numpy.load/save`.
public enum NPY {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// The bytes of a `.npy` file holding `t` (C order, little-endian).
    public static func encode(_ t: Tensor) throws -> Data {
        let descr: String
        switch t.dtype { case .float64: descr = "<f8"; case .float32: descr = "<f4"; case .int64: descr = "<i8" }
        let shapeText = t.shape.isEmpty ? "()" : t.shape.count == 1 ? "(\(t.shape[0]),)" : "(" + t.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = magic.count + 2 + 2 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data(magic)
        data.append(contentsOf: [1, 0])
        let hl = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(hl & 0xFF), UInt8(hl >> 8)])
        data.append(contentsOf: Array(header.utf8))
        let c = try t.contiguous()
        data.append(Data(bytes: c.storage.bytes + c.offset * t.dtype.size, count: c.count * t.dtype.size))
        return data
    }

    /// Writes `t` to `path` atomically (a temporary file renamed into place).
    public static func save(_ t: Tensor, to path: String) throws {
        try AtomicFile.write(try encode(t), to: path)
    }

    /// Reads a tensor from a `.npy` file. Floats keep their width; integer and boolean
    /// arrays become int64.
    public static func load(_ path: String) throws -> Tensor {
        guard let bytes = try AtomicFile.read(path) else { throw TensorError("cannot read '\(path)': No such file or directory") }
        return try decode(Data(bytes), name: path)
    }

    public static func decode(_ data: Data, name: String = "data") throws -> Tensor {
        let bytes = [UInt8](data)
        func fail(_ why: String) -> TensorError { TensorError("'\(name)' is not a valid .npy file: \(why)") }
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw fail("missing the \\x93NUMPY magic string") }
        let major = bytes[6]
        var headerLen = 0, start = 0
        switch major {
        case 1: headerLen = Int(bytes[8]) | Int(bytes[9]) << 8; start = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerLen = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24; start = 12
        default: throw fail("unsupported format version \(major)")
        }
        guard start + headerLen <= bytes.count else { throw fail("truncated header") }
        guard let header = String(bytes: bytes[start..<(start + headerLen)], encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw fail("header is not text")
        }
        guard let descr = field(header, "descr").flatMap(quoted) else { throw fail("header has no 'descr'") }
        guard let fo = field(header, "fortran_order") else { throw fail("header has no 'fortran_order'") }
        let fortran = fo.hasPrefix("True")
        guard let shapeText = field(header, "shape"), shapeText.hasPrefix("("), let close = shapeText.firstIndex(of: ")") else {
            throw fail("header has no 'shape' tuple")
        }
        var shape: [Int] = []
        for part in shapeText[shapeText.index(after: shapeText.startIndex)..<close].split(separator: ",") {
            let s = part.trimmingCharacters(in: .whitespaces)
            if s.isEmpty { continue }
            guard let v = Int(s), v >= 0 else { throw fail("bad shape entry '\(s)'") }
            shape.append(v)
        }
        let n = try Tensor.checkedCount(shape)
        let chars = Array(descr)
        guard chars.count >= 3 else { throw fail("bad dtype '\(descr)'") }
        let order = chars[0], kind = chars[1]
        guard let width = Int(descr.dropFirst(2)) else { throw fail("bad dtype '\(descr)'") }
        let swap = order == ">" && width > 1
        let body = start + headerLen
        let (need, overflow) = n.multipliedReportingOverflow(by: width)
        guard !overflow, bytes.count - body >= need else {
            throw fail("truncated data: shape \(describeShape(shape)) of '\(descr)' needs \(overflow ? Int.max : need) bytes, found \(bytes.count - body)")
        }
        let dtype: DType
        switch (kind, width) {
        case ("f", 8): dtype = .float64
        case ("f", 4): dtype = .float32
        case ("i", 1), ("i", 2), ("i", 4), ("i", 8), ("u", 1), ("u", 2), ("u", 4), ("u", 8), ("b", 1): dtype = .int64
        default: throw fail("unsupported dtype '\(descr)' (supported: float64, float32, integers, bool)")
        }
        // Load as the row-major shape of the file's memory order, then fix Fortran order by transposing.
        let memShape = fortran ? Array(shape.reversed()) : shape
        let t = try Tensor(uninitialized: memShape, dtype: dtype)
        try bytes.withUnsafeBufferPointer { buf in
            guard let src = buf.baseAddress.map({ UnsafeRawPointer($0 + body) }) else { return }
            func raw<U: FixedWidthInteger>(_: U.Type, _ i: Int) -> U {
                let v = src.loadUnaligned(fromByteOffset: i * width, as: U.self)
                return swap ? v.byteSwapped : v
            }
            for i in 0..<n {
                switch (kind, width) {
                case ("f", 8): t.base(Double.self)[i] = Double(bitPattern: raw(UInt64.self, i))
                case ("f", 4): t.base(Float.self)[i] = Float(bitPattern: raw(UInt32.self, i))
                case ("i", 8): t.base(Int64.self)[i] = Int64(bitPattern: raw(UInt64.self, i))
                case ("i", 4): t.base(Int64.self)[i] = Int64(Int32(bitPattern: raw(UInt32.self, i)))
                case ("i", 2): t.base(Int64.self)[i] = Int64(Int16(bitPattern: raw(UInt16.self, i)))
                case ("i", 1): t.base(Int64.self)[i] = Int64(Int8(bitPattern: raw(UInt8.self, i)))
                case ("u", 8):
                    let v = raw(UInt64.self, i)
                    guard v <= UInt64(Int64.max) else { throw fail("uint64 value \(v) does not fit in int64") }
                    t.base(Int64.self)[i] = Int64(v)
                case ("u", 4): t.base(Int64.self)[i] = Int64(raw(UInt32.self, i))
                case ("u", 2): t.base(Int64.self)[i] = Int64(raw(UInt16.self, i))
                default: t.base(Int64.self)[i] = Int64(raw(UInt8.self, i))
                }
            }
        }
        if fortran && shape.count > 1 {
            // Reverse the dimensions to get the logical C-order view, then copy.
            let v = Tensor(storage: t.storage, shape: shape, strides: Array(t.strides.reversed()), offset: 0)
            return try v.clone()
        }
        return t
    }

    /// The raw text of a header field's value, e.g. field(h, "shape") → "(3, 4), }".
    private static func field(_ header: String, _ key: String) -> String? {
        for q in ["'", "\""] {
            if let r = header.range(of: q + key + q) {
                var rest = header[r.upperBound...]
                guard let colon = rest.firstIndex(of: ":") else { return nil }
                rest = rest[rest.index(after: colon)...]
                return rest.trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    private static func quoted(_ s: String) -> String? {
        guard let q = s.first, q == "'" || q == "\"" else { return nil }
        let rest = s.dropFirst()
        guard let end = rest.firstIndex(of: q) else { return nil }
        return String(rest[..<end])
    }
}
