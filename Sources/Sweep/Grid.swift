import Foundation

/// A sweep's grid: named dimensions, each a list of values (as the command line writes them),
/// crossed with a list of seeds. `d=1,3,10 n=10,100 workflow=replace,accumulate`.
public struct SweepGrid: Equatable, Sendable, Codable {
    public struct Dimension: Equatable, Sendable, Codable {
        public let name: String
        public let values: [String]
    }

    public let dimensions: [Dimension]
    /// Seeds in order; empty: the script gets no seed= (one task per grid cell).
    public let seeds: [Int]

    public init(dimensions: [Dimension], seeds: [Int]) {
        self.dimensions = dimensions
        self.seeds = seeds
    }

    /// Parses `name=v1,v2 name2=v3` (dimensions separated by spaces, values by commas).
    public init(grid text: String, seeds seedText: String?) throws {
        var dims: [Dimension] = []
        for part in text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }) {
            guard let eq = part.firstIndex(of: "="), eq != part.startIndex else {
                throw SweepError("--grid: expected name=value,value,… for each dimension, got '\(part)'")
            }
            let name = String(part[..<eq])
            let values = part[part.index(after: eq)...].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard !values.contains(where: \.isEmpty) else { throw SweepError("--grid: dimension '\(name)' has an empty value in '\(part)'") }
            guard Set(values).count == values.count else { throw SweepError("--grid: dimension '\(name)' repeats a value in '\(part)'") }
            guard !dims.contains(where: { $0.name == name }) else { throw SweepError("--grid: dimension '\(name)' is given twice") }
            guard name != "seed", name != "out" else {
                throw SweepError("--grid: '\(name)' is set by the sweep itself (\(name == "seed" ? "use --seeds" : "each task gets its own folder"))")
            }
            dims.append(Dimension(name: name, values: values))
        }
        self.dimensions = dims
        self.seeds = try seedText.map(SweepGrid.parseSeeds) ?? []
    }

    /// `0-99`, `1,5,7`, `0-9,20-29`: a list of distinct non-negative seeds in the order given.
    public static func parseSeeds(_ text: String) throws -> [Int] {
        var out: [Int] = [], seen = Set<Int>()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let ends = item.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(ends.count), let lo = Int(ends[0]), let hi = Int(ends[ends.count - 1]), lo >= 0, lo <= hi else {
                throw SweepError("--seeds: expected seeds such as 0-99 or 1,5,7 (non-negative, ranges low-high), got '\(item)' in '\(text)'")
            }
            guard hi - lo < 1_000_000, out.count + (hi - lo + 1) <= 1_000_000 else { throw SweepError("--seeds: more than a million seeds in '\(text)'") }
            for s in lo...hi {
                guard seen.insert(s).inserted else { throw SweepError("--seeds: seed \(s) appears twice in '\(text)'") }
                out.append(s)
            }
        }
        return out
    }

    /// Tasks in a fixed order: the first dimension varies slowest, the seed fastest.
    public var tasks: [SweepTask] {
        var cells: [[String]] = [[]]
        for d in dimensions { cells = cells.flatMap { c in d.values.map { c + [$0] } } }
        let seedList: [Int?] = seeds.isEmpty ? [nil] : seeds.map { $0 }
        var out: [SweepTask] = []
        out.reserveCapacity(cells.count * seedList.count)
        for c in cells {
            for s in seedList { out.append(SweepTask(index: out.count, values: c, seed: s)) }
        }
        return out
    }

    public var taskCount: Int { dimensions.reduce(1) { $0 * $1.values.count } * max(1, seeds.count) }
}

/// One task of a sweep: a grid cell's values (in the grid's dimension order) and a seed.
public struct SweepTask: Equatable, Sendable {
    public let index: Int
    public let values: [String]
    public let seed: Int?

    public init(index: Int, values: [String], seed: Int?) {
        (self.index, self.values, self.seed) = (index, values, seed)
    }

    /// The script's arguments for this task: name=value per dimension, seed=, out=.
    public func arguments(_ grid: SweepGrid, out: String) -> [String] {
        zip(grid.dimensions, values).map { "\($0.name)=\($1)" } + (seed.map { ["seed=\($0)"] } ?? []) + ["out=\(out)"]
    }
}

public struct SweepError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
