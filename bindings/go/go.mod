module assay/bindings/go

go 1.19
