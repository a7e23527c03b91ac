/** Declarative description of the simulated home: what exists and how each entity behaves. */

/** How the generator moves an entity. */
export type Behavior =
  | {
      readonly kind: 'numeric';
      readonly min: number;
      readonly max: number;
      readonly step: number;
      readonly decimals: number;
    }
  | { readonly kind: 'counter'; readonly step: number; readonly decimals: number }
  | { readonly kind: 'binary'; readonly on: string; readonly off: string }
  | { readonly kind: 'light' }
  | { readonly kind: 'switch' }
  | { readonly kind: 'climate' }
  | { readonly kind: 'media' }
  | { readonly kind: 'person' }
  | { readonly kind: 'sun' }
  | { readonly kind: 'weather' }
  | { readonly kind: 'calendar' }
  | { readonly kind: 'cover' }
  | { readonly kind: 'lock' }
  | { readonly kind: 'automation' }
  | { readonly kind: 'script' }
  | { readonly kind: 'text' }
  | { readonly kind: 'static' };

/** One entity of the home. */
export interface EntitySpec {
  readonly entityId: string;
  readonly platform: string;
  /** null = YAML entity: it has a state but no entity registry entry. */
  readonly uniqueId: string | null;
  readonly deviceKey: string | null;
  /** Area of the entity itself (null = inherits the device's area). */
  readonly areaId: string | null;
  readonly labels: readonly string[];
  readonly entityCategory?: 'config' | 'diagnostic' | null;
  /** Disabled entities are in the registry but have no state. */
  readonly disabledBy?: 'integration' | 'user' | null;
  readonly hiddenBy?: 'integration' | 'user' | null;
  readonly hasEntityName?: boolean;
  readonly originalName?: string | null;
  readonly translationKey?: string | null;
  readonly icon?: string | null;
  readonly displayPrecision?: number;
  readonly state: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly behavior: Behavior;
}

/** One device of the home. */
export interface DeviceSpec {
  readonly key: string;
  readonly name: string;
  readonly manufacturer: string;
  readonly model: string;
  readonly modelId: string | null;
  readonly areaId: string | null;
  readonly platform: string;
  readonly swVersion: string | null;
  readonly hwVersion: string | null;
  readonly serialNumber?: string | null;
  readonly viaKey?: string | null;
  readonly labels?: readonly string[];
  readonly mac?: string | null;
  readonly entryType?: 'service' | null;
}

/** One area. */
export interface AreaSpec {
  readonly areaId: string;
  readonly name: string;
  readonly floorId: string | null;
  readonly icon: string | null;
  readonly labels: readonly string[];
  readonly aliases: readonly string[];
}

/** One floor. */
export interface FloorSpec {
  readonly floorId: string;
  readonly name: string;
  readonly level: number | null;
  readonly icon: string | null;
  readonly aliases: readonly string[];
}

/** One label. */
export interface LabelSpec {
  readonly labelId: string;
  readonly name: string;
  readonly color: string | null;
  readonly icon: string | null;
  readonly description: string | null;
}
