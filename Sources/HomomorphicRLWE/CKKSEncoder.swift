import Foundation

/// The CKKS canonical-embedding encoder: `n/2` complex slots `z_j = m(ζ^(5^j)) / Δ` with
/// `ζ = e^(iπ/n)`, computed with the "special FFT" of HEAAN (Cheon et al.) in O(n log n).
/// Coefficient `i < n/2` holds the real part of the inverse transform's entry `i`, coefficient
/// `n/2 + i` its imaginary part.
final class CKKSEncoder: @unchecked Sendable {
    let n: Int
    let slots: Int
    let rotGroup: [Int]
    let ksiRe: [Double], ksiIm: [Double]

    init(degree n: Int) {
        self.n = n
        slots = n / 2
        let m = 2 * n
        var g = [Int](repeating: 0, count: n / 2)
        var five = 1
        for j in 0..<(n / 2) { g[j] = five; five = (five * 5) % m }
        rotGroup = g
        ksiRe = (0...m).map { cos(2 * Double.pi * Double($0) / Double(m)) }
        ksiIm = (0...m).map { sin(2 * Double.pi * Double($0) / Double(m)) }
    }

    private func bitReverse(_ re: inout [Double], _ im: inout [Double]) {
        let size = re.count
        var j = 0
        for i in 1..<size {
            var bit = size >> 1
            while j & bit != 0 { j ^= bit; bit >>= 1 }
            j ^= bit
            if i < j { re.swapAt(i, j); im.swapAt(i, j) }
        }
    }

    /// Slots → embedding coefficients (decode direction).
    func fftSpecial(_ re: inout [Double], _ im: inout [Double]) {
        let size = re.count, m = 2 * n
        bitReverse(&re, &im)
        var len = 2
        while len <= size {
            let lenh = len >> 1, lenq = len << 2
            for i in stride(from: 0, to: size, by: len) {
                for j in 0..<lenh {
                    let idx = (rotGroup[j] % lenq) * (m / lenq)
                    let (ur, ui) = (re[i + j], im[i + j])
                    let (xr, xi) = (re[i + j + lenh], im[i + j + lenh])
                    let vr = xr * ksiRe[idx] - xi * ksiIm[idx], vi = xr * ksiIm[idx] + xi * ksiRe[idx]
                    re[i + j] = ur + vr; im[i + j] = ui + vi
                    re[i + j + lenh] = ur - vr; im[i + j + lenh] = ui - vi
                }
            }
            len <<= 1
        }
    }

    /// Inverse of ``fftSpecial(_:_:)`` (encode direction), including the 1/size factor.
    func fftSpecialInv(_ re: inout [Double], _ im: inout [Double]) {
        let size = re.count, m = 2 * n
        var len = size
        while len >= 1 {
            let lenh = len >> 1, lenq = len << 2
            if lenh > 0 {
                for i in stride(from: 0, to: size, by: len) {
                    for j in 0..<lenh {
                        let idx = (lenq - (rotGroup[j] % lenq)) * (m / lenq)
                        let (ar, ai) = (re[i + j], im[i + j])
                        let (br, bi) = (re[i + j + lenh], im[i + j + lenh])
                        let (ur, ui) = (ar + br, ai + bi)
                        let (dr, di) = (ar - br, ai - bi)
                        re[i + j] = ur; im[i + j] = ui
                        re[i + j + lenh] = dr * ksiRe[idx] - di * ksiIm[idx]
                        im[i + j + lenh] = dr * ksiIm[idx] + di * ksiRe[idx]
                    }
                }
            }
            len >>= 1
        }
        bitReverse(&re, &im)
        let s = Double(size)
        for i in 0..<size { re[i] /= s; im[i] /= s }
    }
}
