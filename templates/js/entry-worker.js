// clevertap-bridge.worker.js: Python's side, as a module worker or (no Worker) a classic script.
import { CONFIG } from "./config.js";
import { defineWorker } from "./worker.js";

defineWorker(self, CONFIG);
