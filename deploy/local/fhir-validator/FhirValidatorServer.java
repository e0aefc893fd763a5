// HL7's FHIR validator engine (org.hl7.fhir.validation through HAPI FHIR's validation module),
// offline, against the FHIR R4 4.0.1 definitions: no package download, no terminology server.
// One long-lived process: each line on stdin is one JSON resource; each answer is one line on
// stdout: {"errors": n, "warnings": n, "issues": [{"severity", "location", "message"}...]}.
// Launched by deploy/local/fhir-validator.sh (java single-file source mode).

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;

public class FhirValidatorServer {
  public static void main(String[] args) throws Exception {
    // Only the answers go to stdout: anything the libraries print goes to stderr.
    PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
    System.setOut(System.err);
    FhirContext context = FhirContext.forR4();
    ValidationSupportChain chain = new ValidationSupportChain(
        new DefaultProfileValidationSupport(context),
        new CommonCodeSystemsTerminologyService(context),
        new InMemoryTerminologyServerValidationSupport(context),
        new SnapshotGeneratingValidationSupport(context));
    FhirInstanceValidator module = new FhirInstanceValidator(chain);
    module.setAnyExtensionsAllowed(true);
    module.setNoTerminologyChecks(false);
    FhirValidator validator = context.newValidator().registerValidatorModule(module);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    out.println("{\"ready\": true, \"fhirVersion\": \"" + context.getVersion().getVersion().getFhirVersionString() + "\"}");
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) continue;
      out.println(answer(validator, line));
    }
  }

  static String answer(FhirValidator validator, String resource) {
    JsonObject answer = new JsonObject();
    JsonArray issues = new JsonArray();
    int errors = 0, warnings = 0;
    try {
      ValidationResult result = validator.validateWithResult(resource);
      for (SingleValidationMessage message : result.getMessages()) {
        ResultSeverityEnum severity = message.getSeverity();
        if (severity == ResultSeverityEnum.ERROR || severity == ResultSeverityEnum.FATAL) errors++;
        if (severity == ResultSeverityEnum.WARNING) warnings++;
        JsonObject issue = new JsonObject();
        issue.addProperty("severity", severity.getCode());
        issue.addProperty("location", message.getLocationString());
        issue.addProperty("message", message.getMessage());
        issues.add(issue);
      }
    } catch (Exception exc) {
      errors++;
      JsonObject issue = new JsonObject();
      issue.addProperty("severity", "fatal");
      issue.addProperty("location", "(root)");
      issue.addProperty("message", String.valueOf(exc.getMessage()));
      issues.add(issue);
    }
    answer.addProperty("errors", errors);
    answer.addProperty("warnings", warnings);
    answer.add("issues", issues);
    return answer.toString();
  }
}
