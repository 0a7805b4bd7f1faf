// Argument parsers shared by the commands: each rejects bad values with one clear message.
import { InvalidArgumentError } from 'commander';

export function int(name: string) {
  return (v: string) => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return Number(v);
  };
}

export function num(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number`);
    return n;
  };
}

export function intList(name: string) {
  return (v: string) => {
    const parts = v.split(',').map((s) => s.trim());
    if (!parts.every((p) => /^\d+$/.test(p)))
      throw new InvalidArgumentError(`${name} must be comma-separated non-negative integers`);
    return parts.map(Number);
  };
}
