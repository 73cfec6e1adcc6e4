"""Stage 3, publish: what readers get, in Chinese: report blocks, charts, the annual text, exports
beside each report, the detachment overview and the index page. Labels come from the catalogue."""
