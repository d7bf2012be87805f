/// The version every uproc command reports.
public let uprocVersion = "0.1.0"
