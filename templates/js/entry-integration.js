// Clevertap.min.js: the RudderStack device-mode integration (window.Clevertap_RS.Clevertap).
import { CONFIG } from "./config.js";
import { defineIntegration } from "./integration.js";

defineIntegration(typeof window !== "undefined" ? window : self, CONFIG);
