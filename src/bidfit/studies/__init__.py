"""Studies on top of the analysis: simulation, sensitivity, pricing room, deal map."""
