// --- field hints: compile errors that say which fields are missing and which enricher adds them (issue 20) ---

/**
 * Which enricher adds which event fields, for the builder's compile errors: when a sink or an enricher
 * needs a field the pipeline lacks at that point, the error names the field and the enrichers found here
 * (`missing field \`area\`: add registryEnricher() before this sink`). Keyed by the enricher as the user
 * calls it, valued by the union of the fields it adds.
 *
 * Empty in core: enricher packages register their fields by declaration merging, so core depends on
 * none of them. `@ha-ingestor/enrichers` registers its own; a third-party enricher does the same in the
 * module that declares it (types only, nothing at run time). Keyed by enricher rather than by field so
 * that two packages adding the same field never clash (merged interfaces may not redeclare a property
 * with another type); the error then offers both.
 *
 * @example
 * declare module '@ha-ingestor/core' {
 *   interface FieldProviders {
 *     'tariff() from my-ha-tariff': 'tariff' | 'tariff_band';
 *   }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- a declaration-merging target, filled by enricher packages
export interface FieldProviders {}

/**
 * `T` when every event `E` fits what `Accepts` needs; otherwise a type whose one required property's
 * NAME is the message (there is no custom-error type in TypeScript), so the compile error's first line
 * reads `… not assignable to parameter of type '{ readonly "missing fields \`area\`, \`floor\`: add
 * registryEnricher() before this sink": never; }'`. `Fallback` is the plain structural check, kept in the
 * message for type conflicts so their detail lines still say which types clash.
 */
export type FitsFields<E, Accepts, T, Fallback, Where extends string> = [E] extends [Accepts]
  ? T
  : FieldHint<E, Accepts, Fallback, Where>;

/** The message type of {@link FitsFields} for a mismatch (exported for the d.ts; not meant to be used alone). */
export type FieldHint<E, Accepts, Fallback, Where extends string> = [AbsentEverywhere<E, Accepts>] extends [never]
  ? [AbsentSomewhere<E, Accepts>] extends [never]
    ? [MaybeAbsent<E, Accepts>] extends [never]
      ? [Clashing<E, Accepts>] extends [never]
        ? Fallback
        : Fallback &
            FieldError<`${Fields<Clashing<E, Accepts>>} ${Has<Clashing<E, Accepts>>} a type here that this ${Where} does not accept`>
      : FieldError<`${Fields<MaybeAbsent<E, Accepts>>} may be absent here, but this ${Where} requires ${Them<MaybeAbsent<E, Accepts>>}: make ${Them<MaybeAbsent<E, Accepts>>} optional in its input type`>
    : FieldError<`${Fields<AbsentSomewhere<E, Accepts>>} ${Is<AbsentSomewhere<E, Accepts>>} missing from some events here: .filter() to those that have ${Them<AbsentSomewhere<E, Accepts>>}, or ${AddHint<AbsentSomewhere<E, Accepts>>}`>
  : FieldError<`missing ${Fields<AbsentEverywhere<E, Accepts>>}: ${AddHint<AbsentEverywhere<E, Accepts>>} before this ${Where}`>;

/** A type that no component satisfies: its one property's name is the compile error's message. */
export type FieldError<M extends string> = { readonly [K in M]: never };

// --- internal ---

type Key = string | number;
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];
/** Keys any member of the union `E` has. */
type AnyKeys<E> = E extends unknown ? keyof E : never;
/** Required keys of `A` that some member of `E` lacks. */
type Absent<E, A> = Extract<E extends unknown ? Exclude<RequiredKeys<A>, keyof E> : never, Key>;
type AbsentEverywhere<E, A> = Exclude<Absent<E, A>, AnyKeys<E>>;
type AbsentSomewhere<E, A> = Extract<Absent<E, A>, AnyKeys<E>>;
/** Required keys of `A` that some member of `E` has, but only optionally. */
type MaybeAbsent<E, A> = Extract<E extends unknown ? Extract<RequiredKeys<A>, OptionalKeys<E>> : never, Key>;
/** Keys both have whose type in some member of `E` is not one `A` accepts. */
type Clashing<E, A> = Extract<
  E extends unknown ? { [K in keyof A & keyof E]-?: [E[K]] extends [A[K]] ? never : K }[keyof A & keyof E] : never,
  Key
>;

/** The enrichers registered for the field `K`. */
type ProvidersOf<K> = { [P in keyof FieldProviders]: K extends FieldProviders[P] ? P : never }[keyof FieldProviders];
/** Enrichers that are the only one registered for one of the fields `K`: they must be added anyway. */
type SoleProviders<K> = K extends unknown ? (Count<ProvidersOf<K>> extends 1 ? ProvidersOf<K> : never) : never;
/**
 * Per field, its enrichers joined by " or " (or just the sole providers among them, which the message
 * names anyway); a union, so fields with the same enrichers give one entry.
 */
type Alternatives<K, Sole = SoleProviders<K>> = K extends unknown
  ? [ProvidersOf<K>] extends [never]
    ? never
    : [Extract<ProvidersOf<K>, Sole>] extends [never]
      ? Join<UnionToTuple<ProvidersOf<K>>, ' or '>
      : Extract<ProvidersOf<K>, Sole>
  : never;
type Registered<K> = K extends unknown ? ([ProvidersOf<K>] extends [never] ? never : K) : never;
type Unregistered<K> = Exclude<K, Registered<K>>;

type AddHint<K extends Key> = [Registered<K>] extends [never]
  ? `add an enricher that adds ${Them<K>}`
  : [Unregistered<K>] extends [never]
    ? `add ${Join<UnionToTuple<Alternatives<K>>, ', '>}`
    : `add ${Join<UnionToTuple<Alternatives<K>>, ', '>} and an enricher that adds ${Quoted<Unregistered<K>>}`;

type Count<K> = UnionToTuple<K>['length'];
type Fields<K extends Key> = Count<K> extends 1 ? `field ${Quoted<K>}` : `fields ${Quoted<K>}`;
type Them<K> = Count<K> extends 1 ? 'it' : 'them';
type Is<K> = Count<K> extends 1 ? 'is' : 'are';
type Has<K> = Count<K> extends 1 ? 'has' : 'have';
type Quoted<K extends Key> = Join<QuoteEach<UnionToTuple<K>>, ', '>;
type QuoteEach<T extends readonly unknown[]> = { [I in keyof T]: T[I] extends Key ? `\`${T[I]}\`` : never };

type Join<T extends readonly unknown[], Sep extends string> = T extends readonly [infer H extends Key, ...infer R]
  ? R extends readonly []
    ? `${H}`
    : `${H}${Sep}${Join<R, Sep>}`
  : '';
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
type LastOf<U> =
  UnionToIntersection<U extends unknown ? (u: U) => void : never> extends (u: infer L) => void ? L : never;
/** A union's members as a tuple (in TypeScript's union order, which follows declaration order for keys). */
type UnionToTuple<U, L = LastOf<U>> = [U] extends [never] ? [] : [...UnionToTuple<Exclude<U, L>>, L];
