// A front-end developer's use of the generated types (openapi-typescript): it must type-check
// against the current public document (tools/api-lint/run.sh runs tsc on it).
import type { components, operations, paths } from "./peerbridge";

type Problem = components["schemas"]["Problem"];
type Program = components["schemas"]["ProgramRead"];
type NewProgram = components["schemas"]["ProgramCreate"];
type Bundle = components["schemas"]["FhirBundle"];
type ProgramsAnswer = paths["/v1/programs"]["get"]["responses"][200]["content"]["application/json"];

export function describeProblem(problem: Problem): string {
  const fields = (problem.errors ?? []).map((e) => `${e.field ?? "(request)"}: ${e.rule}`);
  return `${problem.status} ${problem.title}: ${problem.detail}${fields.length ? ` (${fields.join(", ")})` : ""}`;
}

export function programNames(answer: ProgramsAnswer): string[] {
  return answer.map((program: Program) => program.name);
}

export function encounterIds(bundle: Bundle): string[] {
  return bundle.entry
    .filter((entry) => entry.resource.resourceType === "Encounter")
    .map((entry) => entry.fullUrl);
}

export async function createProgram(base: string, token: string, body: NewProgram): Promise<Program | Problem> {
  const headers: Record<string, string> = {
    Authorization: `Bearer ${token}`, "Content-Type": "application/json", "Idempotency-Key": crypto.randomUUID(),
  };
  const response = await fetch(`${base}/v1/programs`, { method: "POST", headers, body: JSON.stringify(body) });
  return (await response.json()) as Program | Problem;
}

export type WhoAmI = operations["who_am_i"]["responses"][200]["content"]["application/json"];
