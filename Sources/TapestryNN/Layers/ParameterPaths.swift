import Tapestry

/// Finds a layer's parameters through its stored properties, by reflection, and names
/// them after the property paths that hold them (PyTorch's `named_parameters`).
enum ParameterPaths {
    /// How deep nested containers are searched.
    static let maximumDepth = 16

    /// Every parameter reachable from `root`'s stored properties, each once, in
    /// declaration order, with its dotted path. A layer held in a property contributes
    /// its own `namedParameters` under the property's name; arrays contribute `name.0`,
    /// `name.1`, …
    static func collect<Scalar: TensorScalar>(in root: some Layer<Scalar>) -> [(name: String, parameter: Parameter<Scalar>)] {
        var found: [(name: String, parameter: Parameter<Scalar>)] = []
        var seen = Set<ObjectIdentifier>()
        visitProperties(of: root, prefix: "", depth: 0, found: &found, seen: &seen)
        return found
    }

    /// `parameters` named by the paths found in `root`, falling back to their local names.
    static func name<Scalar: TensorScalar>(
        _ parameters: [Parameter<Scalar>], foundIn root: some Layer<Scalar>
    ) -> [(name: String, parameter: Parameter<Scalar>)] {
        let paths = Dictionary(collect(in: root).map { (ObjectIdentifier($0.parameter), $0.name) }, uniquingKeysWith: { first, _ in first })
        return parameters.map { (paths[ObjectIdentifier($0)] ?? $0.localName, $0) }
    }

    private static func visitProperties<Scalar: TensorScalar>(
        of object: AnyObject, prefix: String, depth: Int,
        found: inout [(name: String, parameter: Parameter<Scalar>)], seen: inout Set<ObjectIdentifier>
    ) {
        // A class's mirror lists its own stored properties; its superclasses' come through
        // `superclassMirror`. `Model`'s own bookkeeping holds no parameters.
        var mirrors: [Mirror] = []
        var mirror: Mirror? = Mirror(reflecting: object)
        while let current = mirror {
            mirrors.append(current)
            mirror = current.superclassMirror
        }
        for mirror in mirrors.reversed() {
            for child in mirror.children {
                guard let label = child.label else { continue }
                visit(child.value, path: prefix + propertyName(label), depth: depth, found: &found, seen: &seen)
            }
        }
    }

    private static func visit<Scalar: TensorScalar>(
        _ value: Any, path: String, depth: Int,
        found: inout [(name: String, parameter: Parameter<Scalar>)], seen: inout Set<ObjectIdentifier>
    ) {
        guard depth < maximumDepth else { return }
        if let parameter = value as? Parameter<Scalar> {
            if seen.insert(ObjectIdentifier(parameter)).inserted { found.append((path, parameter)) }
        } else if let layer = value as? any Layer<Scalar> {
            for (name, parameter) in layer.namedParameters where seen.insert(ObjectIdentifier(parameter)).inserted {
                found.append((path + "." + name, parameter))
            }
        } else if let elements = value as? [Any] {
            for (index, element) in elements.enumerated() {
                visit(element, path: "\(path).\(index)", depth: depth + 1, found: &found, seen: &seen)
            }
        } else {
            let mirror = Mirror(reflecting: value)
            switch mirror.displayStyle {
            case .optional:
                if let wrapped = mirror.children.first { visit(wrapped.value, path: path, depth: depth + 1, found: &found, seen: &seen) }
            case .struct, .tuple:
                for (offset, child) in mirror.children.enumerated() {
                    let name = child.label.map(propertyName) ?? String(offset)
                    visit(child.value, path: path + "." + name, depth: depth + 1, found: &found, seen: &seen)
                }
            default:
                break       // classes that are not layers, dictionaries, sets: not searched
            }
        }
    }

    /// The property's name as the user wrote it: without the `$__lazy_storage_$_` of a
    /// `lazy var` or the `_` of a property wrapper's storage.
    static func propertyName(_ label: String) -> String {
        if label.hasPrefix("$__lazy_storage_$_") { return String(label.dropFirst("$__lazy_storage_$_".count)) }
        if label.hasPrefix("_"), label.count > 1 { return String(label.dropFirst()) }
        return label
    }
}

extension ParameterPaths {
    /// The layers held directly in `root`'s stored properties (and arrays of them), in
    /// declaration order, each once, with the property's name (`encoder`, `blocks_0`).
    static func layers<Scalar: TensorScalar>(in root: AnyObject) -> [(property: String, layer: any Layer<Scalar>)] {
        var result: [(property: String, layer: any Layer<Scalar>)] = []
        var seen = Set<ObjectIdentifier>()
        func add(_ value: Any, _ property: String) {
            if let layer = value as? any Layer<Scalar> {
                if seen.insert(ObjectIdentifier(layer)).inserted { result.append((property, layer)) }
            } else if let elements = value as? [Any] {
                for (index, element) in elements.enumerated() { add(element, "\(property)_\(index)") }
            }
        }
        var mirror: Mirror? = Mirror(reflecting: root)
        var mirrors: [Mirror] = []
        while let current = mirror { mirrors.append(current); mirror = current.superclassMirror }
        for mirror in mirrors.reversed() {
            for child in mirror.children { add(child.value, child.label.map(propertyName) ?? "layer") }
        }
        return result
    }
}
