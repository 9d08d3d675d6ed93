// Allure 3 configuration for `make report-html` (scripts/report-html.sh sets the variables).
import { defineConfig } from "allure";

export default defineConfig({
  name: process.env.AIRGAPLAB_REPORT_NAME ?? "airgaplab conformance",
  output: process.env.AIRGAPLAB_ALLURE_OUTPUT ?? "allure-report",
  // Allure's own history (trends between runs), one file per lab beside our history.jsonl.
  historyPath: process.env.AIRGAPLAB_ALLURE_HISTORY ?? "./reports/allure-history.jsonl",
});
