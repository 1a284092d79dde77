import { InvalidArgumentError } from 'commander';

export function parsePositiveInteger(name: string) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1)
      throw new InvalidArgumentError(`Expected a positive integer for ${name} but received "${value}"`);
    return number;
  };
}
