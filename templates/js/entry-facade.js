// The second part of rudderanalytics.js (after entry-integration.js): the standalone rudderanalytics
// facade that feeds the integration. A separate script of its own, so that the page's calls buffered
// before the file ran reach an integration that is fully defined.
import { CONFIG } from "./config.js";
import { defineFacade } from "./facade.js";

defineFacade(typeof window !== "undefined" ? window : self, CONFIG);
