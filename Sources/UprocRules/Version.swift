/// The version every uproc command reports.
package let uprocVersion = "0.1.0"
