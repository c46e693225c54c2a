/// A fast 64-bit checksum of bytes (the project's one hash: run identities, journal records,
/// data fingerprints). Four independent multiply–rotate lanes over 8-byte words, in the manner of
/// xxHash, then a final avalanche: several GB/s, and any change of a byte, of the length or of
/// the order of words changes the value. Not cryptographic: it detects damage and mix-ups, not
/// forgery. Little-endian words, so values agree between machines of that byte order.
public enum Checksum {
    static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
    static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    static let p3: UInt64 = 0x1656_67B1_9E37_79F9

    @inline(__always) static func round(_ acc: UInt64, _ w: UInt64) -> UInt64 {
        let a = acc &+ w &* p2
        return ((a << 31) | (a >> 33)) &* p1
    }

    @inline(__always) static func avalanche(_ x: UInt64) -> UInt64 {
        var h = x
        h ^= h >> 33; h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33; h = h &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }

    /// The checksum of `bytes`, starting from `seed`.
    public static func of(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        let n = bytes.count
        guard let base = bytes.baseAddress, n > 0 else { return avalanche(seed &+ p3) }
        var a = seed &+ p1 &+ p2, b = seed &+ p2, c = seed, d = seed &- p1
        var i = 0
        while i + 32 <= n {
            a = round(a, UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
            b = round(b, UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)))
            c = round(c, UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self)))
            d = round(d, UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self)))
            i += 32
        }
        var h = ((a << 1) | (a >> 63)) &+ ((b << 7) | (b >> 57)) &+ ((c << 12) | (c >> 52)) &+ ((d << 18) | (d >> 46))
        h = h &+ UInt64(n) &* p3
        while i + 8 <= n {
            h = round(h, UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
            i += 8
        }
        var tail: UInt64 = 0, shift: UInt64 = 0
        while i < n { tail |= UInt64(base.load(fromByteOffset: i, as: UInt8.self)) << shift; shift += 8; i += 1 }
        if shift > 0 { h = round(h ^ tail, p3) }
        return avalanche(h)
    }

    public static func of(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
        bytes.withUnsafeBytes { of($0, seed: seed) }
    }

    public static func of(_ text: String, seed: UInt64 = 0) -> UInt64 { of(Array(text.utf8), seed: seed) }

    /// Combines two checksums into one (order matters).
    public static func combine(_ x: UInt64, _ y: UInt64) -> UInt64 {
        avalanche(round(x &+ p3, y))
    }

    /// The value as 16 hexadecimal digits.
    public static func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}

extension Tensor {
    /// A checksum of the dtype, shape and values (the same for any strides or offset).
    public func checksum() throws -> UInt64 {
        let c = try contiguous()
        let header = Checksum.of("\(dtype.rawValue) \(describeShape(shape))")
        let body = Checksum.of(UnsafeRawBufferPointer(start: c.storage.bytes + c.offset * dtype.size, count: c.count * dtype.size))
        return Checksum.combine(header, body)
    }
}
