/// A dense, row-major (C order) tensor of `Float` or `Double`.
///
/// Batches of images are laid out `[N, C, H, W]` and batches of vectors `[N, F]`, as in PyTorch.
/// The storage is a Swift array, so copies are cheap until one of them is mutated.
public struct Tensor<Scalar: NNScalar>: Equatable, Sendable, CustomStringConvertible {
    /// The extent of each dimension.
    public private(set) var shape: [Int]
    /// The elements in row-major order; `scalars.count == shape.reduce(1, *)`.
    public var scalars: [Scalar] {
        didSet { precondition(scalars.count == oldValue.count, "Tensor.scalars must keep its count") }
    }

    /// Creates a tensor, checking that `scalars` has exactly one element per position of `shape`.
    public init(shape: [Int], scalars: [Scalar]) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw NeuralNetworkError.invalidArgument("negative dimension in shape \(shape)")
        }
        let count = shape.reduce(1, *)
        guard count == scalars.count else {
            throw NeuralNetworkError.shapeMismatch(
                context: "Tensor(shape:scalars:) element count", expected: [count], actual: [scalars.count])
        }
        self.shape = shape
        self.scalars = scalars
    }

    /// Internal initializer for shapes already known to match.
    init(unchecked shape: [Int], _ scalars: [Scalar]) {
        assert(shape.reduce(1, *) == scalars.count)
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.shape = shape.map { max(0, $0) }
        self.scalars = [Scalar](repeating: 0, count: self.shape.reduce(1, *))
    }

    /// A tensor with every element equal to `value`.
    public init(repeating value: Scalar, shape: [Int]) {
        self.shape = shape.map { max(0, $0) }
        self.scalars = [Scalar](repeating: value, count: self.shape.reduce(1, *))
    }

    /// The number of elements.
    public var count: Int { scalars.count }
    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The same elements under another shape with the same element count.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        try Tensor(shape: newShape, scalars: scalars)
    }

    /// Element at a multi-dimensional index (bounds are checked).
    public subscript(_ index: Int...) -> Scalar {
        get { scalars[flatIndex(index)] }
        set { scalars[flatIndex(index)] = newValue }
    }

    private func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index rank \(index.count) for tensor of rank \(shape.count)")
        var flat = 0
        for (i, d) in zip(index, shape) {
            precondition(i >= 0 && i < d, "index \(index) out of bounds for shape \(shape)")
            flat = flat * d + i
        }
        return flat
    }

    /// The same values in another scalar type.
    public func converted<T: NNScalar>(to: T.Type = T.self) -> Tensor<T> {
        if let same = self as? Tensor<T> { return same }
        if T.self == Double.self, let f = self as? Tensor<Float> {
            return Tensor<Double>(unchecked: shape, f.scalars.map { Double($0) }) as! Tensor<T>
        }
        if T.self == Float.self, let d = self as? Tensor<Double> {
            return Tensor<Float>(unchecked: shape, d.scalars.map { Float($0) }) as! Tensor<T>
        }
        return Tensor<T>(unchecked: shape, scalars.map { T($0) })
    }

    /// Rows `range` along the first dimension (a mini-batch).
    public func slice(batch range: Range<Int>) -> Tensor {
        guard let first = shape.first else { return self }
        precondition(range.lowerBound >= 0 && range.upperBound <= first)
        let per = first == 0 ? 0 : count / first
        var s = shape
        s[0] = range.count
        return Tensor(unchecked: s, Array(scalars[(range.lowerBound * per)..<(range.upperBound * per)]))
    }

    /// The index of the largest element of each row of a `[N, F]` (or `[N, ...]`) tensor.
    public func argmaxPerSample() -> [Int] {
        guard let n = shape.first, n > 0 else { return [] }
        let per = count / n
        return (0..<n).map { i in
            var best = 0
            var bestValue = -Scalar.infinity
            for j in 0..<per where scalars[i * per + j] > bestValue {
                bestValue = scalars[i * per + j]
                best = j
            }
            return best
        }
    }

    /// Largest absolute difference to another tensor of the same shape.
    public func maxAbsDifference(_ other: Tensor) -> Scalar {
        precondition(shape == other.shape, "shapes \(shape) and \(other.shape) differ")
        var m: Scalar = 0
        for (a, b) in zip(scalars, other.scalars) { m = Swift.max(m, Swift.abs(a - b)) }
        return m
    }

    /// True when no element is NaN or infinite.
    public var isFinite: Bool { scalars.allSatisfy { $0.isFinite } }

    public var description: String {
        let head = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor\(shape)[\(head)\(count > 8 ? ", ..." : "")]"
    }
}
