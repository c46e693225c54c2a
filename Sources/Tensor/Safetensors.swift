import Foundation

/// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header
/// mapping each tensor's name to its dtype, shape and byte range, then the raw little-endian
/// data. Readable and writable by the `safetensors` Python package. F64, F32 and I64 are read
/// as themselves, F16/BF16 into float32, and narrower integers and BOOL into int64.
public enum Safetensors {
    /// The bytes of a file holding `tensors` in the given order, with optional string metadata.
    public static func encode(_ tensors: [(String, Tensor)], metadata: [String: String] = [:]) throws -> Data {
        var names = Set<String>()
        var entries: [String] = []
        var offset = 0
        let parts = try tensors.map { name, t -> Tensor in
            guard !name.isEmpty, names.insert(name).inserted, name != "__metadata__" else {
                throw TensorError("safetensors: tensor name '\(name)' is empty, repeated or reserved")
            }
            return try t.contiguous()
        }
        for ((name, _), t) in zip(tensors, parts) {
            let code: String
            switch t.dtype { case .float64: code = "F64"; case .float32: code = "F32"; case .int64: code = "I64" }
            let bytes = t.count * t.dtype.size
            entries.append("\(JSONString.quoted(name)):{\"dtype\":\"\(code)\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offset += bytes
        }
        if !metadata.isEmpty {
            let m = metadata.sorted { $0.key < $1.key }.map { "\(JSONString.quoted($0.key)):\(JSONString.quoted($0.value))" }
            entries.insert("\"__metadata__\":{\(m.joined(separator: ","))}", at: 0)
        }
        var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var data = Data()
        var n = UInt64(header.count).littleEndian
        withUnsafeBytes(of: &n) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        for t in parts { data.append(Data(bytes: t.storage.bytes + t.offset * t.dtype.size, count: t.count * t.dtype.size)) }
        return data
    }

    /// Writes `tensors` to `path` atomically.
    public static func save(_ tensors: [(String, Tensor)], to path: String, metadata: [String: String] = [:]) throws {
        try AtomicFile.write(try encode(tensors, metadata: metadata), to: path)
    }

    /// The tensors of a safetensors file, in the order of their data, and its metadata.
    public static func load(_ path: String) throws -> (tensors: [(String, Tensor)], metadata: [String: String]) {
        guard let bytes = try AtomicFile.read(path) else { throw TensorError("cannot read '\(path)': No such file or directory") }
        do { return try decode(Data(bytes)) } catch let e as TensorError { throw TensorError("'\(path)': \(e.message)") }
    }

    public static func decode(_ data: Data) throws -> (tensors: [(String, Tensor)], metadata: [String: String]) {
        guard data.count >= 8 else { throw TensorError("not a safetensors file (shorter than its 8-byte header length)") }
        let n = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard n <= UInt64(data.count - 8), n <= 100_000_000 else {
            throw TensorError("not a safetensors file (header length \(n) beyond the file's \(data.count) bytes)")
        }
        let headerBytes = data.subdata(in: 8..<(8 + Int(n)))
        guard let json = try? JSONSerialization.jsonObject(with: headerBytes), let header = json as? [String: Any] else {
            throw TensorError("the safetensors header is not a JSON object")
        }
        let base = 8 + Int(n), body = data.count - base
        var metadata: [String: String] = [:]
        var found: [(Int, String, Tensor)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                for (k, v) in (value as? [String: Any]) ?? [:] { metadata[k] = v as? String ?? "\(v)" }
                continue
            }
            guard let e = value as? [String: Any], let code = e["dtype"] as? String,
                  let shape = e["shape"] as? [Int], let offs = e["data_offsets"] as? [Int], offs.count == 2 else {
                throw TensorError("tensor '\(name)': its header entry needs dtype, shape and data_offsets")
            }
            guard let (width, target) = kinds[code] else { throw TensorError("tensor '\(name)': unsupported dtype \(code)") }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw TensorError("tensor '\(name)': negative size in shape \(shape)") }
            let count = try Tensor.checkedCount(shape)
            let (bytes, overflow) = count.multipliedReportingOverflow(by: width)
            guard !overflow, offs[0] >= 0, offs[1] <= body, offs[1] - offs[0] == bytes else {
                throw TensorError("tensor '\(name)': data_offsets \(offs) do not hold \(count) \(code) values within the \(body)-byte data")
            }
            let t = try Tensor(uninitialized: shape, dtype: target)
            data.withUnsafeBytes { raw in convert(raw.baseAddress! + base + offs[0], code, count, t) }
            found.append((offs[0], name, t))
        }
        return (found.sorted { $0.0 < $1.0 }.map { ($0.1, $0.2) }, metadata)
    }

    static let kinds: [String: (Int, DType)] = [
        "F64": (8, .float64), "F32": (4, .float32), "F16": (2, .float32), "BF16": (2, .float32),
        "I64": (8, .int64), "I32": (4, .int64), "I16": (2, .int64), "I8": (1, .int64), "U8": (1, .int64), "BOOL": (1, .int64),
        "U16": (2, .int64), "U32": (4, .int64),
    ]

    private static func convert(_ src: UnsafeRawPointer, _ code: String, _ n: Int, _ t: Tensor) {
        switch code {
        case "F64", "F32", "I64": t.storage.bytes.copyMemory(from: src, byteCount: n * t.dtype.size)
        case "F16": let o = t.base(Float.self); for i in 0..<n { o[i] = Float(Float16(bitPattern: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
        case "BF16": let o = t.base(Float.self); for i in 0..<n { o[i] = Float(bitPattern: UInt32(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16) }
        case "I32": let o = t.base(Int64.self); for i in 0..<n { o[i] = Int64(src.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)) }
        case "U32": let o = t.base(Int64.self); for i in 0..<n { o[i] = Int64(src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)) }
        case "I16": let o = t.base(Int64.self); for i in 0..<n { o[i] = Int64(src.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)) }
        case "U16": let o = t.base(Int64.self); for i in 0..<n { o[i] = Int64(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
        case "I8": let o = t.base(Int64.self); for i in 0..<n { o[i] = Int64(src.load(fromByteOffset: i, as: Int8.self)) }
        default: let o = t.base(Int64.self); for i in 0..<n { o[i] = Int64(src.load(fromByteOffset: i, as: UInt8.self)) }
        }
    }
}
