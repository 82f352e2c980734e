using FluentMigrator;

namespace Aventora.Persistence.Migrations;

/// <summary>Numbers a migration by the release that brought it: 1.15.0 step 1 is version 1_015_000_01.</summary>
public sealed class ReleaseMigrationAttribute(int major, int minor, int patch, int step, string description)
    : MigrationAttribute(major * 1_000_000_00L + minor * 1_000_00L + patch * 100L + step, description);
