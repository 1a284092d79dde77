// Types of compiled-tree.mjs (plain JavaScript, run before anything is compiled).
export declare const packageRoot: string;
export declare function compiledInputs(root?: string): string[];
export declare function digestInputs(root?: string, paths?: readonly string[]): Record<string, string>;
export declare function writeBuildManifest(compiledDirectory: string, digests: Record<string, string>): void;
export declare function checkCompiledTree(root?: string): { fresh: true } | { fresh: false; reason: string };
