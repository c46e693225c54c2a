import Foundation
import Report
import Testing

@Suite struct SummaryTests {
    @Test func matchesHandComputation() {
        let r = Summary.meanBand([1, 2, 3, 4])
        let s = 1.2909944487358056
        let half = 1.96 * s / 2
        #expect(abs(r.mean - 2.5) < 1e-12)
        #expect(abs(r.lower - (2.5 - half)) < 1e-9)
        #expect(abs(r.upper - (2.5 + half)) < 1e-9)
    }

    @Test func singleValueGivesZeroWidth() {
        let r = Summary.meanBand([7])
        #expect(r.mean == 7 && r.lower == 7 && r.upper == 7)
    }

    @Test func nanIsIgnored() {
        let r = Summary.meanBand([.nan, 1, 2, 3, 4, .nan])
        let expected = Summary.meanBand([1, 2, 3, 4])
        #expect(r.mean == expected.mean && r.lower == expected.lower && r.upper == expected.upper)
    }

    @Test func allNaNOrEmptyGivesNaN() {
        for values in [[Double.nan, .nan], []] {
            let r = Summary.meanBand(values)
            #expect(r.mean.isNaN && r.lower.isNaN && r.upper.isNaN)
        }
    }
}
